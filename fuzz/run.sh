#!/usr/bin/env bash
# Coverage-guided fuzzing of Uga's parsers with AFL++ and SharpFuzz.
#   fuzz/run.sh [--seconds N] [--out DIR] [TARGET...]     (default: every target, 60 s each, out fuzz/findings)
# Builds the harness (fuzz/Uga.Fuzz) into DIR/plain, copies it to DIR/bin and instruments the Uga assemblies there
# (instrumented code only runs under afl-fuzz; seeds and replays use DIR/plain), writes each target's seed corpus, runs afl-fuzz for N seconds per target and writes DIR/summary.tsv:
# target, seconds, executions, paths found, crashes, hangs. Crashing inputs are left in DIR/TARGET/default/crashes;
# replay one with: dotnet DIR/plain/Uga.Fuzz.dll replay TARGET FILE. Exit status 1 when anything crashed or hung.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60 out=fuzz/findings targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
scripts/setup.sh --fuzz
data=${UGA_SHARED_DATA:-../shared/data}
mkdir -p "$out"
out=$(cd "$out" && pwd)

dotnet tool restore >/dev/null
# UGA_FUZZ_NO_BUILD=1 (the test suite): publish what the solution build just built instead of building again.
dotnet publish fuzz/Uga.Fuzz -c Release -o "$out/plain" -nologo -clp:ErrorsOnly ${UGA_FUZZ_NO_BUILD:+--no-build} >/dev/null
rm -rf "$out/bin" && cp -r "$out/plain" "$out/bin"
for dll in "$out"/bin/Uga.*.dll; do
  case "$(basename "$dll")" in Uga.Fuzz.dll) continue ;; esac
  dotnet sharpfuzz "$dll" >/dev/null
done
[ ${#targets[@]} -eq 0 ] && mapfile -t targets < <(dotnet "$out/plain/Uga.Fuzz.dll" 2>&1 | sed -n 's/.*targets: //p' | tr ',' '\n' | tr -d ' ')

export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_QUIET=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FORKSRV_INIT_TMOUT=60000 DOTNET_TieredPGO=0
printf 'target\tseconds\texecutions\tpaths\tcrashes\thangs\n' > "$out/summary.tsv.tmp"
status=0
for t in "${targets[@]}"; do
  rm -rf "${out:?}/$t" "$out/seeds/$t"
  dotnet "$out/plain/Uga.Fuzz.dll" seeds "$t" "$out/seeds/$t" "$data" >/dev/null
  echo "fuzz: $t for ${seconds}s" >&2
  # The harness's scratch files go under DIR (TMPDIR), not /tmp: the fuzzed process is killed, never cleans up.
  mkdir -p "$out/scratch"
  TMPDIR="$out/scratch" afl-fuzz -V "$seconds" -i "$out/seeds/$t" -o "$out/$t" -t 5000 -m none -- dotnet "$out/bin/Uga.Fuzz.dll" "$t" >"$out/$t.log" 2>&1 || {
    echo "fuzz: afl-fuzz failed for $t (see $out/$t.log)" >&2; tail -5 "$out/$t.log" >&2; status=1; continue; }
  stats="$out/$t/default/fuzzer_stats"
  get() { awk -F': *' -v k="$1" '$1 ~ "^"k" *$" {print $2}' "$stats"; }
  crashes=$(get saved_crashes) hangs=$(get saved_hangs)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$seconds" "$(get execs_done)" "$(get corpus_count)" "$crashes" "$hangs" >> "$out/summary.tsv.tmp"
  [ "$crashes" = 0 ] && [ "$hangs" = 0 ] || status=1
done
mv "$out/summary.tsv.tmp" "$out/summary.tsv"
column -t -s $'\t' "$out/summary.tsv"
exit $status
