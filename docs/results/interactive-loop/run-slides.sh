#!/usr/bin/env bash
# The interactive loop on a workspace of whole slides (docs/results/interactive-loop/README.md), from the repository
# root:  run-slides.sh glas   three GlaS montage slides S1-S3 (docs/results/rare/make-slides.sh: pyramidal TIFFs at
#                             1 µm/px) and a model trained as in run-redesign.sh (3 U-Nets, depth 3, 8 channels)
#        run-slides.sh demo   the demo's workspace: the pool-B phantom slides and baseline model of `uga demo`
#                             (scripts/demo.sh writes them to runs/demo; DEMO=DIR for another --out)
# The pathologist's answers are each slide's reference label slide (STEM.labels.tif) drawn inside the candidates
# (`uga annotations from-mask`). THREADS (default 1) and OVERLAP (the re-rank's patch overlap in model pixels;
# default: half the patch) are the knobs. Timed: imports + fine-tuning + re-ranking, i.e. the pathologist's wait.
set -e
UGA=${UGA:-"dotnet src/Uga.Cli/bin/Release/net10.0/uga.dll"}; G=${G:-../shared/data/glas}; THREADS=${THREADS:-1}
case ${1:-glas} in
  glas)
    O=runs/interactive-loop-slides CLASSES=background,benign,malignant
    docs/results/rare/make-slides.sh "$G" $O/slides "$UGA"
    [[ -f $O/model/manifest.json ]] || $UGA train --data $G --where split=train --data-spacing 0.5 --out $O/model --members 3 \
      --steps 300 --patch 128 --spacing 1.0 --depth 3 --base-channels 8 --batch 4 --classes $CLASSES --threads $THREADS --seed 1 2>/dev/null | tail -1
    MODEL=$O/model SOURCE=(--data $G --where split=train --data-spacing 0.5) SLIDES=($O/slides/S1.tif $O/slides/S2.tif $O/slides/S3.tif) ;;
  demo)
    D=${DEMO:-runs/demo} O=runs/interactive-loop-demo CLASSES=background,benign,tumour
    [[ -f $D/models/baseline/manifest.json ]] || { echo "no demo in $D: run scripts/demo.sh first" >&2; exit 2; }
    MODEL=$D/models/baseline SOURCE=(--data $D/data/train-A) SLIDES=($D/data/pool-B/*-pool.tif) ;;
  *) echo "usage: $0 glas|demo" >&2; exit 2 ;;
esac
rm -rf $O/ws $O/answers
$UGA workspace init --workspace $O/ws --model $MODEL "${SOURCE[@]}" >/dev/null
$UGA workspace add-slides --workspace $O/ws "${SLIDES[@]}"
$UGA rank --workspace $O/ws --k 5 --patch 128 --threads $THREADS 2>/dev/null | grep -E "predictions|opened"
mkdir -p $O/answers
for s in $(tail -n +2 $O/ws/rounds/r1/candidates.csv | cut -d, -f2 | sort -u); do
  path=$(printf '%s\n' "${SLIDES[@]}" | grep "/$s.tif$")
  $UGA annotations from-mask ${path%.tif}.labels.tif $O/answers/$s.geojson --slide $s --candidates $O/ws/rounds/r1/candidates.csv --classes $CLASSES >/dev/null
  echo "$s $path" >> $O/answers/list
done
start=$(date +%s.%N)
while read -r s path; do $UGA annotations import --workspace $O/ws $O/answers/$s.geojson --slide $path --unlabelled background | head -1; done < $O/answers/list
t1=$(date +%s.%N)
$UGA finetune --workspace $O/ws --batch 4 --threads $THREADS 2>/dev/null
t2=$(date +%s.%N)
$UGA rank --workspace $O/ws --k 5 --patch 128 --threads $THREADS ${OVERLAP:+--overlap $OVERLAP} 2>/dev/null | grep -E "predictions|opened|excluded"
t3=$(date +%s.%N)
echo "import $(echo "$t1-$start" | bc) s, finetune $(echo "$t2-$t1" | bc) s, rank $(echo "$t3-$t2" | bc) s, total $(echo "$t3-$start" | bc) s"
