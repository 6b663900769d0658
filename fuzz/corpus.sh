#!/usr/bin/env bash
# The corrupt-file corpus through the real CLI, as a table (docs/reliability.md):
#   fuzz/corpus.sh [--out DIR]      (default fuzz/findings/corpus)
# Writes the corpus (dotnet fuzz/Uga.Fuzz corpus), runs the uga command each file must fail with the managed heap
# capped at 1 GB, and writes DIR/corpus.tsv: file, breakage, exit code, stderr lines, peak RSS (MB), files written,
# the message. The same checks, as assertions, are tests/Uga.Cli.Tests/CorruptCorpusTests.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fuzz/findings/corpus
[ "${1:-}" = "--out" ] && out=$2
scripts/setup.sh --fuzz
data=${UGA_SHARED_DATA:-../shared/data}
dotnet build src/Uga.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build fuzz/Uga.Fuzz -c Release -nologo -clp:ErrorsOnly >/dev/null
uga=src/Uga.Cli/bin/Release/net10.0/uga.dll
rm -rf "$out" && mkdir -p "$out/files"
printf 'file\tbreakage\texit\tstderr lines\tpeak MB\tfiles written\tmessage\n' > "$out/corpus.tsv"
while IFS=$'\t' read -r name breakage command; do
  written="$out/out-$name"; mkdir -p "$written"
  read -r -a args <<< "${command#uga }"
  args=("${args[@]//FILE/$out/files/$name}"); args=("${args[@]//OUT/$written}")
  set +e
  DOTNET_GCHeapHardLimit=0x40000000 /usr/bin/time -f '%M' -o "$out/rss" dotnet "$uga" "${args[@]}" >/dev/null 2>"$out/stderr"
  code=$?
  set -e
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$breakage" "$code" "$(grep -c . "$out/stderr")" \
    "$(( $(tail -1 "$out/rss") / 1024 ))" "$(find "$written" -mindepth 1 | wc -l)" "$(tail -1 "$out/stderr" | cut -c1-160)" >> "$out/corpus.tsv"
done < <(dotnet fuzz/Uga.Fuzz/bin/Release/net10.0/Uga.Fuzz.dll corpus "$out/files" "$data")
column -t -s $'\t' "$out/corpus.tsv" | cut -c1-220
