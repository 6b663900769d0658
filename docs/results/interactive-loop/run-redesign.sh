#!/usr/bin/env bash
# The interactive loop with the redesigned CLI (docs/results/interactive-loop/README.md): run from the repository root.
# THREADS (default 1) and OVERLAP (the re-rank's patch overlap in model pixels; default: half the patch) are the knobs.
set -e
UGA=${UGA:-"dotnet src/Uga.Cli/bin/Release/net10.0/uga.dll"}; G=${G:-../shared/data/glas}; O=runs/interactive-loop
THREADS=${THREADS:-1}
POOL="--data $G --where split=testA --data-spacing 0.5 --k 5 --patch 128 --threads $THREADS"
[[ -f $O/model/manifest.json ]] || $UGA train --data $G --where split=train --data-spacing 0.5 --out $O/model --members 3 --steps 300 --patch 128 \
  --spacing 1.0 --depth 3 --base-channels 8 --batch 4 --classes background,benign,malignant --threads $THREADS --seed 1 2>/dev/null | tail -1
rm -rf $O/ws $O/answers
$UGA workspace init --workspace $O/ws --model $O/model --data $G --where split=train --data-spacing 0.5
$UGA rank --workspace $O/ws $POOL 2>/dev/null | grep -E "predictions|opened|UGA"
mkdir -p $O/answers
stems=$(tail -n +2 $O/ws/rounds/r1/candidates.csv | cut -d, -f2 | sort -u)
for s in $stems; do $UGA annotations from-mask $G/masks/$s.png $O/answers/$s.geojson --candidates $O/ws/rounds/r1/candidates.csv --classes background,benign,malignant >/dev/null; done
start=$(date +%s.%N)
for s in $stems; do $UGA annotations import --workspace $O/ws $O/answers/$s.geojson --slide $G/images/$s.jpg --spacing 0.5 --unlabelled background | head -1; done
t1=$(date +%s.%N)
$UGA finetune --workspace $O/ws --batch 4 --threads $THREADS 2>/dev/null
t2=$(date +%s.%N)
$UGA rank --workspace $O/ws $POOL ${OVERLAP:+--overlap $OVERLAP} 2>/dev/null | grep -E "predictions|opened|excluded"
t3=$(date +%s.%N)
echo "import $(echo "$t1-$start" | bc) s, finetune $(echo "$t2-$t1" | bc) s, rank $(echo "$t3-$t2" | bc) s, total $(echo "$t3-$start" | bc) s"
$UGA workspace status --workspace $O/ws
