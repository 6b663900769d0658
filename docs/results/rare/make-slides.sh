#!/usr/bin/env bash
# Packs GlaS testA into four montage slides in which malignant glands are a small minority, every patient on
# exactly one slide (so pool and evaluation slides never share a patient):
#   S1: patient 4 (8 benign + its first 2 malignant images)
#   S2: patients 9 and 3 (9 benign) + patient 12 (1 malignant)
#   S3: patient 10 (8 benign) + patient 7 (its first 2 malignant images)
#   S4: patients 11 (4 benign + its first malignant image), 13 and 15 (4 benign)
# "First" is in case-name order. Usage: make-slides.sh GLAS_DIR OUT_DIR "UGA_COMMAND"
set -euo pipefail
glas=$1 out=$2 uga=$3
[[ -f $out/S4.tif ]] && exit 0
work=$out.dataset
rm -rf "$work" "$out" && mkdir -p "$work" "$out"
ln -s "$(realpath "$glas/images")" "$work/images"
ln -s "$(realpath "$glas/masks")" "$work/masks"
# cases.csv: case,split,patient,grade -> + spacing_um (GlaS is 20x, 0.5 µm/px) and the slide each case goes to.
awk -F, 'BEGIN { OFS = "," }
  { sub(/\r$/, "") }
  NR == 1 { print $0, "spacing_um", "slide"; next }
  $2 != "testA" { next }
  { slide = ""
    if ($3 == 4 && ($4 == "benign" || ++m4 <= 2)) slide = "S1"
    else if ($3 == 9 || $3 == 3 || $3 == 12) slide = "S2"
    else if ($3 == 10 || ($3 == 7 && ++m7 <= 2)) slide = "S3"
    else if (($3 == 11 && ($4 == "benign" || ++m11 <= 1)) || $3 == 13 || $3 == 15) slide = "S4"
    if (slide != "") print $0, 0.5, slide }' \
  <(head -1 "$glas/cases.csv"; tail -n +2 "$glas/cases.csv" | sort -t, -k1,1) > "$work/cases.csv"
for s in S1 S2 S3 S4; do
  $uga data montage --data "$work" --where slide=$s --spacing 1.0 --out "$out/$s.tif" >/dev/null 2>&1 || { echo "montage $s failed" >&2; exit 1; }
done
