#!/usr/bin/env bash
# The workbench on a demo workspace, for a first look: builds it once under runs/workbench (phantom H&E slides from
# two "centres", a small 3-class ensemble trained on centre A, two 4096² centre-B slides with a clear-cell tumour
# subtype registered, round r1 of 8 candidates ranked with pre-annotations), then runs `uga serve` on it. Open the
# printed address in a browser. First run on 2 cores: 10 minutes (7 of them training); later runs start at once.
# Extra arguments go to `uga serve` (e.g. --port 8081, --host 0.0.0.0 for another machine: a token is printed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
dotnet build src/Uga.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
uga() { dotnet src/Uga.Cli/bin/Release/net10.0/uga.dll "$@"; }
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
out=runs/workbench
# Built in place (the store records absolute paths); an interrupted build has no ready marker and is redone.
if [ ! -f "$out/ready" ]; then
  rm -rf "$out" && mkdir -p "$out"
  uga data phantom --centre A --slides 4 --size 1024 --format dataset --out "$out/centre-a"
  uga train --data "$out/centre-a" --data-spacing 0.5 --out "$out/model" --members 3 --steps 300 --patch 128 \
    --spacing 1 --depth 3 --classes background,benign,tumour --threads 2
  uga data phantom --centre B --clear-cell --slides 2 --size 4096 --seed 7 --out "$out/centre-b"
  uga workspace init --workspace "$out/ws" --model "$out/model" --data "$out/centre-a" --data-spacing 0.5
  uga workspace add-slides --workspace "$out/ws" "$out"/centre-b/phantom-B-00[0-9].tif
  uga rank --workspace "$out/ws" --k 8 --patch 128 --min-distance 300 --pre-annotate --threads 2
  touch "$out/ready"
fi
exec dotnet src/Uga.Cli/bin/Release/net10.0/uga.dll serve --workspace "$out/ws" --finetune-steps 100 "$@"
