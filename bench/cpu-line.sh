#!/usr/bin/env bash
# One header line for a benchmark's output: CPU model, cores, the vector/matrix flags that change kernels, load now.
set -euo pipefail
flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512_bf16|amx_bf16)$' | sort | xargs || true)
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(getconf _NPROCESSORS_ONLN) cores, flags: $flags; load $(cut -d' ' -f1-3 /proc/loadavg)"
