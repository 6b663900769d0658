#!/usr/bin/env bash
# Uga's main job (README): installs what is missing, builds, and runs `uga demo` — the whole
# uncertainty-guided annotation loop on generated phantom slides — writing runs/demo/report.html.
# Extra arguments go to `uga demo` (e.g. --out DIR, --seed S, --quick).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
dotnet build src/Uga.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
exec dotnet src/Uga.Cli/bin/Release/net10.0/uga.dll demo --out runs/demo "$@"
