#!/usr/bin/env bash
# Reruns the committed `uga simulate` experiments on ../shared/data (see docs/results/README.md).
#   docs/results/run.sh monuseg|glas|rare|shifted|all
# UGA: the uga command (default: build src/Uga.Cli in Release and run its uga.dll). Runs write to runs/results/NAME
# (models, full report); the report files are then copied to docs/results/NAME.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${DATA:-../shared/data}
if [[ -z "${UGA:-}" ]]; then
  dotnet build src/Uga.Cli -c Release -v quiet -nologo >/dev/null
  dll=$(find "${UGA_ARTIFACTS:-src/Uga.Cli/bin}" -path '*release*' -name uga.dll | head -1)
  UGA="dotnet $dll"
fi

# libtorch 2.10 under TorchSharp 0.107 aborted once (SIGABRT in BatchNorm.forward, "alpha must not be a floating
# point number") after an hour of an otherwise identical run: a rare native fault, not an input error. A run killed
# by a signal (exit >= 128) is started again once; runs are deterministic, so the numbers are the same.
simulate() {
  local code=0
  $UGA simulate "$@" || code=$?
  if (( code >= 128 )); then
    echo "uga simulate died with exit $code; running it again" >&2
    $UGA simulate "$@"
  elif (( code != 0 )); then
    return $code
  fi
}

publish() { # copy a run's report (not its models) into docs/results/NAME
  mkdir -p "docs/results/$1"
  cp "runs/results/$1"/{report.md,report.html,results.csv,dice-vs-k.png,dice-vs-k.svg} "docs/results/$1/"
}

monuseg() { # (1) nuclei, FFPE -> frozen sections (binary; 0.5 µm/px for nuclei)
  simulate --source "$DATA/monuseg" --source-where preparation=ffpe --source-spacing 0.25 \
    --target "$DATA/monuseg" --target-where preparation=frozen --target-spacing 0.25 \
    --classes background,nucleus --spacing 0.5 --out runs/results/monuseg
  publish monuseg
}

glas() { # (2) glands, GlaS train -> testA grouped by patient (3 classes)
  simulate --source "$DATA/glas" --source-where split=train --source-spacing 0.5 \
    --target "$DATA/glas" --target-where split=testA --target-spacing 0.5 --group-by patient \
    --classes background,benign,malignant --out runs/results/glas
  publish glas
}

rare() { # (3) rare malignancy: testA packed into montage slides, malignant glands a small minority
  rare_slides
  simulate "${rare_args[@]}" --out runs/results/rare
  publish rare
}

shifted() { # (4) as (2), with the target re-stained and re-scanned as another laboratory would
  local shifted=runs/results/glas-lab2
  [[ -d $shifted ]] || $UGA data shift --data "$DATA/glas" --data-spacing 0.5 --out "$shifted" --preset lab-b --seed 7
  simulate --source "$DATA/glas" --source-where split=train --source-spacing 0.5 \
    --target "$shifted" --target-where split=testA --target-spacing 0.5 --group-by patient \
    --classes background,benign,malignant --out runs/results/shifted
  publish shifted
}

# The pre-registered comparison (docs/results/protocol.md): every arm at K = 10, label-free arms with --adapt.
ARMS=random,foreground-random,uga-paper,uncertainty-sum,class-stratified,impurity,oracle
compare() { # compare NAME simulate-args...: resumable (a crash costs one replicate), published to comparison/NAME
  local name=$1; shift
  simulate "$@" --strategies "$ARMS" --k 10 --adapt --resume --out "runs/results/comparison/$name"
  mkdir -p "docs/results/comparison/$name"
  cp "runs/results/comparison/$name"/{report.md,report.html,results.csv,dice-vs-k.png,dice-vs-k.svg} "docs/results/comparison/$name/"
}
monuseg_args=(--source "$DATA/monuseg" --source-where preparation=ffpe --source-spacing 0.25 --target-where preparation=frozen
  --target-spacing 0.25 --classes background,nucleus --spacing 0.5)
glas_args=(--source "$DATA/glas" --source-where split=train --source-spacing 0.5 --target-where split=testA
  --target-spacing 0.5 --group-by patient --classes background,benign,malignant)
# The rare setting's target: GlaS testA packed into montage slides (made once, by rare_slides).
rare_args=(--source "$DATA/glas" --source-where split=train --source-spacing 0.5 --target runs/results/rare-slides
  --classes background,benign,malignant)
rare_slides() { docs/results/rare/make-slides.sh "$DATA/glas" runs/results/rare-slides "$UGA"; }
lab2() { # lab2 DATASET SPACING: the dataset as a second laboratory would have stained and scanned it
  local out=runs/results/$1-lab2
  [[ -d $out ]] || $UGA data shift --data "$DATA/$1" --data-spacing "$2" --out "$out" --preset lab-b --seed 7 >&2
  echo "$out"
}

# Stage 3 (protocol amendment 1): the fine-tuning recipe and the model size, random and uncertainty-sum at K = 10.
stage3() { # stage3 NAME simulate-args...: resumable, published to comparison/stage3/NAME
  local name=$1; shift
  simulate "$@" --strategies random,uncertainty-sum --k 10 --resume --out "runs/results/comparison/stage3/$name"
  mkdir -p "docs/results/comparison/stage3/$name"
  cp "runs/results/comparison/stage3/$name"/{report.md,report.html,results.csv,dice-vs-k.png,dice-vs-k.svg} "docs/results/comparison/stage3/$name/"
}
recipe_args() { # the recipe named by $1
  case $1 in
    surgical) echo --fine-tune-trainable surgical ;;
    stain3) echo --fine-tune-stain-jitter 3 ;;
    surgical+stain3) echo --fine-tune-trainable surgical --fine-tune-stain-jitter 3 ;;
    *) echo "unknown recipe $1 (surgical, stain3, surgical+stain3)" >&2; exit 2 ;;
  esac
}

# Amendment 2: the embedding strategies with random as their paired reference, K = 10, no adapt arms.
embedding() { # embedding NAME simulate-args...: resumable, published to comparison/embedding/NAME
  local name=$1; shift
  simulate "$@" --strategies random,clue,typical,density-ratio --k 10 --resume --out "runs/results/comparison/embedding/$name"
  mkdir -p "docs/results/comparison/embedding/$name"
  cp "runs/results/comparison/embedding/$name"/{report.md,report.html,results.csv,dice-vs-k.png,dice-vs-k.svg} "docs/results/comparison/embedding/$name/"
}

# Amendment 3: the secondary budgets K = 5 and 20 in the stain-shift settings.
budget() { # budget NAME simulate-args...: resumable, published to comparison/budget/NAME
  local name=$1; shift
  simulate "$@" --strategies random,class-stratified,uncertainty-sum,oracle --k 5,20 --resume --out "runs/results/comparison/budget/$name"
  mkdir -p "docs/results/comparison/budget/$name"
  cp "runs/results/comparison/budget/$name"/{report.md,report.html,results.csv,dice-vs-k.png,dice-vs-k.svg} "docs/results/comparison/budget/$name/"
}

case "${1:-}" in
  budget-monuseg-lab2) budget monuseg-lab2 "${monuseg_args[@]}" --target "$(lab2 monuseg 0.25)" ;;
  budget-glas-lab2) budget glas-lab2 "${glas_args[@]}" --target "$(lab2 glas 0.5)" ;;
  embedding-monuseg) embedding monuseg "${monuseg_args[@]}" --target "$DATA/monuseg" ;;
  embedding-monuseg-lab2) embedding monuseg-lab2 "${monuseg_args[@]}" --target "$(lab2 monuseg 0.25)" ;;
  embedding-glas) embedding glas "${glas_args[@]}" --target "$DATA/glas" ;;
  embedding-glas-lab2) embedding glas-lab2 "${glas_args[@]}" --target "$(lab2 glas 0.5)" ;;
  embedding-rare) rare_slides; embedding rare "${rare_args[@]}" ;;
  recipe-monuseg-lab2-*) r=${1#recipe-monuseg-lab2-}; a=$(recipe_args "$r")
    stage3 "monuseg-lab2-$r" "${monuseg_args[@]}" --target "$(lab2 monuseg 0.25)" $a ;;
  recipe-glas-lab2-*) r=${1#recipe-glas-lab2-}; a=$(recipe_args "$r")
    stage3 "glas-lab2-$r" "${glas_args[@]}" --target "$(lab2 glas 0.5)" $a ;;
  size-monuseg-lab2-d4c16)
    ARMS_SIZE=random,uncertainty-sum,oracle
    simulate "${monuseg_args[@]}" --target "$(lab2 monuseg 0.25)" --depth 4 --base-channels 16 --strategies $ARMS_SIZE --k 10 \
      --resume --out runs/results/comparison/stage3/size-monuseg-lab2-d4c16
    mkdir -p docs/results/comparison/stage3/size-monuseg-lab2-d4c16
    cp runs/results/comparison/stage3/size-monuseg-lab2-d4c16/{report.md,report.html,results.csv,dice-vs-k.png,dice-vs-k.svg} \
      docs/results/comparison/stage3/size-monuseg-lab2-d4c16/ ;;
  comparison-monuseg) compare monuseg "${monuseg_args[@]}" --target "$DATA/monuseg" ;;
  comparison-monuseg-lab2) compare monuseg-lab2 "${monuseg_args[@]}" --target "$(lab2 monuseg 0.25)" ;;
  comparison-glas) compare glas "${glas_args[@]}" --target "$DATA/glas" ;;
  comparison-glas-lab2) compare glas-lab2 "${glas_args[@]}" --target "$(lab2 glas 0.5)" ;;
  comparison-rare) rare_slides; compare rare "${rare_args[@]}" ;;
  monuseg|glas|rare|shifted) "$1" ;;
  all) monuseg; glas; rare; shifted ;;
  *) echo "usage: $0 monuseg|glas|rare|shifted|all|comparison-{monuseg,monuseg-lab2,glas,glas-lab2,rare}|recipe-{monuseg,glas}-lab2-{surgical,stain3,surgical+stain3}|size-monuseg-lab2-d4c16|embedding-{monuseg,monuseg-lab2,glas,glas-lab2,rare}|budget-{monuseg-lab2,glas-lab2}" >&2; exit 2 ;;
esac
