#!/usr/bin/env bash
# GPU check for a machine with an NVIDIA GPU and no internet (at most about 8 minutes):
#   1. makes onnxruntime-node's CUDA execution provider available from PROVIDER_DIR, a folder
#      holding the provider libraries of the same ONNX Runtime version as onnxruntime-node
#      (libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so, e.g. from
#      onnxruntime-linux-x64-gpu-<version>.tgz's lib/ or the Microsoft.ML.OnnxRuntime.Gpu.Linux
#      NuGet package's runtimes/linux-x64/native/), or says precisely what is missing and goes on
#      without CUDA;
#   2. runs tools/gpu-check.js on cuda, webgpu and cpu: DyNet-S and DyNet-L fused training steps
#      at batch 8, 128x128, the small preset at batch 16, 64x64, DyNet-S inference at 512x512,
#      and the same training step in PyTorch on CUDA when python3 has torch; then one summary
#      (step times, step-1 losses that must agree within 1e-3, GPU memory, ratio to PyTorch).
# Usage: tools/gpu-check.sh [PROVIDER_DIR|-] [gpu-check.js options, e.g. --steps 10]
#   (in the repository after npm ci; "-" or nothing: no CUDA provider to install)
# From the offline GPU kit (tools/gpu-kit.sh; no Node, npm or network needed), as KIT/tools/gpu-check.sh:
# it runs on the kit's node through KIT/dynet, builds nothing, and with the kit's CUDA part set
# unpacked measures cuda on its onnxruntime-node 1.29.0 and provider libraries (PROVIDER_DIR not
# needed), and webgpu and cpu on the kit's own onnxruntime-node.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f dynet-gpu-kit.json ] && [ -x node ] && [ -x dynet ]; then
  kit=$PWD
  run_node() { "$kit/dynet" --kit-node "$@"; }
else
  kit=
  run_node() { node "$@"; }
fi
kit_cuda=0
[ -n "$kit" ] && [ -f cuda/select-ort.js ] && kit_cuda=1

provider_dir=${1:--}
[ $# -gt 0 ] && shift
case $provider_dir in -*) [ "$provider_dir" = - ] || { set -- "$provider_dir" "$@"; provider_dir=-; } ;; esac

# The onnxruntime-node that --device cuda uses: the kit's CUDA part set's, or the repository's
# (DYNET_ORT matters only to the kit's launcher).
cuda_ort=default
[ "$kit_cuda" = 1 ] && cuda_ort=cuda
ort_version=$(DYNET_ORT=$cuda_ort run_node -p "require('onnxruntime-node/package.json').version")
bin_dir=$(DYNET_ORT=$cuda_ort run_node -p "require('path').join(require.resolve('onnxruntime-node/package.json'), '..', 'bin', 'napi-v6', process.platform, process.arch)")
[ "$provider_dir" = - ] && provider_dir=$bin_dir
# The library path the check's node runs with: the kit's launcher adds its own folders (and the
# CUDA libraries it finds); in the repository, onnxruntime-node's folder.
if [ -n "$kit" ]; then
  lib_path=$(DYNET_ORT=$cuda_ort run_node -p "process.env.LD_LIBRARY_PATH || ''")
else
  lib_path="$bin_dir:${LD_LIBRARY_PATH:-}"
fi

echo "== gpu-check: $(date -u +%FT%TZ), $(uname -m), $(nproc) CPUs"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi: not found"
for icd in /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json; do [ -f "$icd" ] && echo "Vulkan ICD: $icd"; done

missing=()
command -v nvidia-smi >/dev/null || missing+=("nvidia-smi (the NVIDIA driver) is not installed or not on PATH")
for lib in libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
  if [ -f "$provider_dir/$lib" ]; then
    [ "$provider_dir/$lib" -ef "$bin_dir/$lib" ] || cp -f "$provider_dir/$lib" "$bin_dir/$lib"
  else
    missing+=("$provider_dir/$lib (ONNX Runtime $ort_version CUDA provider library)")
  fi
done
# The provider's own dependencies (CUDA runtime, cuBLAS, cuDNN 9, ...), as the loader sees them.
if [ -f "$bin_dir/libonnxruntime_providers_cuda.so" ]; then
  while read -r dep; do
    missing+=("$dep (needed by libonnxruntime_providers_cuda.so; install it or add its folder to LD_LIBRARY_PATH)")
  done < <(LD_LIBRARY_PATH="$bin_dir:$lib_path" ldd "$bin_dir/libonnxruntime_providers_cuda.so" | awk '/not found/ {print $1}')
fi
cuda_ok=1
if [ ${#missing[@]} -gt 0 ]; then
  cuda_ok=0
  echo "gpu-check: the CUDA provider for onnxruntime-node $ort_version is not usable, so cuda is not measured; missing:"
  printf '  - %s\n' "${missing[@]}"
else
  echo "gpu-check: CUDA provider libraries of onnxruntime-node $ort_version in $bin_dir"
fi

[ -n "$kit" ] || npx tsc -b
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
if [ "$kit_cuda" = 1 ]; then
  # Two onnxruntime-node builds: cuda (and the PyTorch peer) on the CUDA part set's, then webgpu and cpu on the kit's own.
  if [ "$cuda_ok" = 1 ]; then
    DYNET_ORT=cuda run_node tools/gpu-check.js --devices cuda --budget-s 200 --json "$results/cuda.json" "$@" || status=1
  fi
  DYNET_ORT=default run_node tools/gpu-check.js --devices webgpu,cpu --budget-s 240 --json "$results/other.json" "$@" || status=1
else
  devices=webgpu,cpu
  [ "$cuda_ok" = 1 ] && devices=cuda,$devices
  run_node tools/gpu-check.js --devices "$devices" --budget-s 440 --json "$results/all.json" "$@" || status=1
fi
shopt -s nullglob
files=("$results"/*.json)
if [ ${#files[@]} -gt 1 ]; then run_node tools/gpu-check.js --report "${files[@]}" || status=1; fi
[ "$cuda_ok" = 1 ] || status=1
exit $status
