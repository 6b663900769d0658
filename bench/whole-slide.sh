#!/usr/bin/env bash
# The whole-slide benchmark of issue 13, slide to ranked queue through the product itself: writes a virtual slide
# (pyramidal TIFF, islands of solid tissue) and an untrained model of the default shape with `uga-bench virtual-slide`
# unless DIR already holds them, measures the tissue the mask finds with `uga tissue`, then times `uga rank` under
# /usr/bin/time -v while sampling its resident memory every 30 s (the peak alone hides how memory moves).
# Prints the CPU, the load, and a summary (wall, tissue Mpx/s, peak RSS). Usage:
#   bench/whole-slide.sh --out DIR [--size 50000] [--islands 0.25] [--threads 2] [--overlap 0] [--strategy class-stratified]
# The strategy is pinned to class-stratified, the one the docs' figures were measured with (rank's default before
# clue, which adds an encoder pass per candidate: docs/benchmarks.md, "The embedding pass").
set -euo pipefail
cd "$(dirname "$0")/.."
out="" size=50000 islands=0.25 threads=2 overlap=0 strategy=class-stratified
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;; --size) size=$2; shift 2 ;; --islands) islands=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;; --overlap) overlap=$2; shift 2 ;; --strategy) strategy=$2; shift 2 ;;
    *) echo "usage: $0 --out DIR [--size PX] [--islands SHARE] [--threads N] [--overlap PX] [--strategy NAME]" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || { echo "$0: --out DIR is required" >&2; exit 2; }
dotnet build src/Uga.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
dotnet build bench/Uga.Bench -c Release -nologo -clp:ErrorsOnly -v quiet
cli=$PWD/src/Uga.Cli/bin/Release/net10.0/uga.dll
uga() { dotnet "$cli" "$@"; }
export OMP_NUM_THREADS=$threads
bench/cpu-line.sh
if [ ! -f "$out/slide.tif" ] || [ ! -d "$out/model" ]; then
  dotnet bench/Uga.Bench/bin/Release/net10.0/uga-bench.dll virtual-slide --out "$out" --size "$size" --spacing 1 --islands "$islands"
fi
tissue=$(uga tissue --slide "$out/slide.tif" --out "$out/tissue" | grep 'tissue fraction')
echo "$tissue"
tissue_mm2=$(echo "$tissue" | sed -n 's/.*(\([0-9.]*\) mm² of tissue.*/\1/p')

rm -rf "$out/queue"
/usr/bin/time -v -o "$out/time.txt" dotnet "$cli" rank --slide "$out/slide.tif" \
  --model "$out/model" --k 10 --strategy "$strategy" --overlap "$overlap" --threads "$threads" --out "$out/queue" &
pid=$!
: > "$out/rss.tsv"
while kill -0 "$pid" 2>/dev/null; do
  child=$(pgrep -P "$pid" -f uga.dll | head -1 || true)
  [ -n "$child" ] && echo -e "$(date +%s)\t$(awk '/VmRSS/ {print $2}' "/proc/$child/status" 2>/dev/null)" >> "$out/rss.tsv"
  sleep 30
done
wait "$pid"
bench/cpu-line.sh
wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$out/time.txt")
peak=$(awk '/Maximum resident set size/ {print $NF}' "$out/time.txt")
seconds=$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
echo "wall $wall, peak RSS $((peak / 1024)) MiB, tissue ${tissue_mm2} mm² at 1 µm/px = $(awk -v t="$tissue_mm2" -v s="$seconds" 'BEGIN { printf "%.3f", t / s }') Mpx of tissue per second"
# The first sample is the runtime starting up; the range is of the ones after it (all in DIR/rss.tsv).
echo "RSS every 30 s after start-up: $(tail -n +2 "$out/rss.tsv" | cut -f2 | sort -n | sed -n '1p;$p' | awk '{ printf "%s%d MiB", (NR > 1 ? " to " : ""), $1 / 1024 }')"
