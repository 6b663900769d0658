#!/usr/bin/env bash
# Interactive turnaround of the human-in-the-loop on GlaS: how long the pathologist waits between handing in
# the annotations of a queue and seeing the next queue, i.e. `uga annotations import` (every annotated image)
# + `uga finetune --workspace` + `uga rank --workspace`.
#
# Run from the repository root after `dotnet build src/Uga.Cli -c Release`:
#   docs/results/interactive-loop/run.sh
# Environment (all optional):
#   UGA      command that runs uga (default: dotnet <artifacts>/uga.dll of the Release build)
#   GLAS     GlaS dataset folder (default: ../shared/data/glas)
#   OUT      output folder (default: runs/interactive-loop; git-ignored)
#   THREADS  torch threads (default: 1)
#   STEPS    fine-tuning steps per member (default: 200)
# The initial model is trained once into $OUT/model and reused by later runs (delete it to retrain).
set -euo pipefail

if [[ -z "${UGA:-}" ]]; then
  if [[ -n "${UGA_ARTIFACTS:-}" ]]; then dll="$UGA_ARTIFACTS/bin/Uga.Cli/release/uga.dll"; else dll="src/Uga.Cli/bin/Release/net10.0/uga.dll"; fi
  [[ -f "$dll" ]] || { echo "uga.dll not found at $dll; build with: dotnet build src/Uga.Cli -c Release (or set UGA)" >&2; exit 1; }
  UGA="dotnet $dll"
fi
GLAS=${GLAS:-../shared/data/glas}
OUT=${OUT:-runs/interactive-loop}
THREADS=${THREADS:-1}
STEPS=${STEPS:-200}
CLASSES=background,benign,malignant
uga() { $UGA "$@"; }

# Same model and pool settings everywhere: GlaS is 0.5 µm/px; the model works at 1 µm/px with 128 px patches.
POOL=(--data "$GLAS" --where split=testA --data-spacing 0.5 --k 5 --patch 128 --threads "$THREADS")
TIMES="$OUT/timings.tsv"
mkdir -p "$OUT"

now() { date +%s.%N; }
# timed NAME COMMAND...: runs the command (its output to $OUT/logs/NAME.log), appends NAME and wall seconds to $TIMES.
timed() {
  local name=$1; shift
  local t0; t0=$(now)
  "$@" > "$OUT/logs/$name.log" 2>&1 || { echo "step $name failed; see $OUT/logs/$name.log" >&2; tail -3 "$OUT/logs/$name.log" >&2; exit 1; }
  local s; s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  printf '%s\t%s\n' "$name" "$s" >> "$TIMES"
  printf '%-28s %8s s\n' "$name" "$s"
}

rm -rf "$OUT/ws" "$OUT/answers" "$OUT/logs"
mkdir -p "$OUT/logs" "$OUT/answers"
printf 'step\tseconds\n' > "$TIMES"

echo "== setup (not part of the turnaround)"
if [[ -f "$OUT/model/manifest.json" ]]; then
  echo "reusing $OUT/model"
else
  timed train uga train --data "$GLAS" --where split=train --data-spacing 0.5 --out "$OUT/model" \
    --members 3 --steps 300 --patch 128 --spacing 1.0 --depth 3 --base-channels 8 --batch 4 \
    --classes "$CLASSES" --threads "$THREADS" --seed 1
fi
timed workspace-init uga workspace init --workspace "$OUT/ws" --model "$OUT/model" --data "$GLAS" --where split=train --data-spacing 0.5
timed rank-r1 uga rank --workspace "$OUT/ws" "${POOL[@]}"
CANDIDATES="$OUT/ws/rounds/r1/candidates.csv"
SLIDES=$(tail -n +2 "$CANDIDATES" | cut -d, -f2 | sort -u)

echo "== the pathologist: GlaS reference masks drawn inside the r1 candidates (QuPath GeoJSON)"
for s in $SLIDES; do
  uga annotations from-mask "$GLAS/masks/$s.png" "$OUT/answers/$s.geojson" --candidates "$CANDIDATES" --classes "$CLASSES" \
    > "$OUT/logs/from-mask-$s.log"
  head -1 "$OUT/logs/from-mask-$s.log"
done

echo "== turnaround: import -> fine-tune -> re-rank"
t0=$(now)
for s in $SLIDES; do
  timed "import-$s" uga annotations import --workspace "$OUT/ws" "$OUT/answers/$s.geojson" --slide "$GLAS/images/$s.jpg" \
    --spacing 0.5 --unlabelled background
done
timed finetune uga finetune --workspace "$OUT/ws" --steps "$STEPS" --batch 4 --threads "$THREADS"
timed rank-r2 uga rank --workspace "$OUT/ws" "${POOL[@]}"
total=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
printf 'turnaround-total\t%s\n' "$total" >> "$TIMES"
printf '%-28s %8s s\n' "TURNAROUND (import..re-rank)" "$total"

uga workspace status --workspace "$OUT/ws" > "$OUT/logs/status.log"
tail -n +1 "$OUT/logs/status.log"
echo "timings: $TIMES; new queue: $OUT/ws/rounds/r2/queue"
