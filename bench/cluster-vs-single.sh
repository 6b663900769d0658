#!/usr/bin/env bash
# One round's prediction and ranking of N phantom slides: one `uga` process vs `uga cluster slurm --units U` on the
# local one-node Slurm (scripts/slurm-local.sh; root). Prints the CPU, both wall times, their ratio, and whether the
# two queues are identical. Usage: bench/cluster-vs-single.sh [--slides 8] [--size 3000] [--units 2]
set -euo pipefail
cd "$(dirname "$0")/.."
slides=8 size=3000 units=2
while [ $# -gt 0 ]; do
  case "$1" in
    --slides) slides=$2; shift 2 ;; --size) size=$2; shift 2 ;; --units) units=$2; shift 2 ;;
    *) echo "usage: $0 [--slides N] [--size PX] [--units U]" >&2; exit 2 ;;
  esac
done
dotnet build src/Uga.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
uga() { dotnet "$PWD/src/Uga.Cli/bin/Release/net10.0/uga.dll" "$@"; }
export OMP_NUM_THREADS=1
scripts/slurm-local.sh start >/dev/null
dir=$(mktemp -d /tmp/uga-cluster-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
bench/cpu-line.sh
uga data phantom --centre A --slides 2 --size 512 --format dataset --out "$dir/data" >/dev/null
uga train --data "$dir/data" --data-spacing 0.5 --out "$dir/model" --members 2 --steps 20 --patch 64 --spacing 2 --depth 2 --threads 1 >/dev/null 2>&1
uga data phantom --centre B --slides "$slides" --size "$size" --out "$dir/slides" >/dev/null
for ws in single cluster; do
  uga workspace init --workspace "$dir/$ws" --model "$dir/model" --data "$dir/data" --data-spacing 0.5 >/dev/null
  uga workspace add-slides --workspace "$dir/$ws" "$dir"/slides/phantom-B-[0-9][0-9][0-9].tif >/dev/null
done
rank_args="--k 10 --patch 64"

start=$(date +%s%N)
uga predict --workspace "$dir/single" --threads 1 >/dev/null 2>&1
uga rank --workspace "$dir/single" $rank_args --threads 1 >/dev/null 2>&1
single=$(( ($(date +%s%N) - start) / 1000000 ))

start=$(date +%s%N)
uga cluster slurm --workspace "$dir/cluster" --units "$units" --cpus-per-task 1 --rank-args "$rank_args" --submit >/dev/null
ids=$(cut -f1 "$dir/cluster/cluster/jobs.tsv" | paste -sd,)
while [ -n "$(squeue -h -j "$ids" 2>/dev/null)" ]; do sleep 0.5; done
cluster=$(( ($(date +%s%N) - start) / 1000000 ))

same=no
cmp -s "$dir/single/rounds/r1/candidates.csv" "$dir/cluster/rounds/r1/candidates.csv" && same=yes
printf '| %s slides of %s² | one process, 1 thread | Slurm, %s units × 1 CPU | ratio | same queue |\n|---|---|---|---|---|\n' "$slides" "$size" "$units"
awk -v a="$single" -v b="$cluster" -v s="$same" 'BEGIN { printf "| predict + rank | %.1f s | %.1f s | %.2f | %s |\n", a / 1000, b / 1000, a / b, s }'
