#!/usr/bin/env bash
# The interactive loop on a 3-slide workspace (docs/results/interactive-loop/README.md): run from the repository root.
# Slides: GlaS testA packed into montage slides S1-S3 (docs/results/rare/make-slides.sh: whole-slide pyramidal TIFFs
# at 1 µm/px with a label slide beside each); the pathologist's answers are the label slides drawn inside the
# candidates (`uga annotations from-mask`). Model: as run-redesign.sh (3 U-Nets, depth 3, 8 channels, GlaS train).
# THREADS (default 1) and OVERLAP (the re-rank's patch overlap in model pixels; default: half the patch) are the knobs.
set -e
UGA=${UGA:-"dotnet src/Uga.Cli/bin/Release/net10.0/uga.dll"}; G=${G:-../shared/data/glas}; O=${O:-runs/interactive-loop-slides}
THREADS=${THREADS:-1}
RERANK="--k 5 --patch 128 --threads $THREADS ${OVERLAP:+--overlap $OVERLAP}"
docs/results/rare/make-slides.sh "$G" $O/slides "$UGA"
[[ -f $O/model/manifest.json ]] || $UGA train --data $G --where split=train --data-spacing 0.5 --out $O/model --members 3 --steps 300 \
  --patch 128 --spacing 1.0 --depth 3 --base-channels 8 --batch 4 --classes background,benign,malignant --threads $THREADS --seed 1 2>/dev/null | tail -1
rm -rf $O/ws $O/answers
$UGA workspace init --workspace $O/ws --model $O/model --data $G --where split=train --data-spacing 0.5
$UGA workspace add-slides --workspace $O/ws $O/slides/S1.tif $O/slides/S2.tif $O/slides/S3.tif
$UGA rank --workspace $O/ws --k 5 --patch 128 --threads $THREADS 2>/dev/null | grep -E "predictions|opened|UGA"
mkdir -p $O/answers
slides=$(tail -n +2 $O/ws/rounds/r1/candidates.csv | cut -d, -f2 | sort -u)
for s in $slides; do $UGA annotations from-mask $O/slides/$s.labels.tif $O/answers/$s.geojson --slide $s --candidates $O/ws/rounds/r1/candidates.csv --classes background,benign,malignant >/dev/null; done
start=$(date +%s.%N)
for s in $slides; do $UGA annotations import --workspace $O/ws $O/answers/$s.geojson --slide $O/slides/$s.tif --unlabelled background | head -1; done
t1=$(date +%s.%N)
$UGA finetune --workspace $O/ws --batch 4 --threads $THREADS 2>/dev/null
t2=$(date +%s.%N)
$UGA rank --workspace $O/ws $RERANK 2>/dev/null | grep -E "predictions|opened|excluded"
t3=$(date +%s.%N)
echo "import $(echo "$t1-$start" | bc) s, finetune $(echo "$t2-$t1" | bc) s, rank $(echo "$t3-$t2" | bc) s, total $(echo "$t3-$start" | bc) s"
