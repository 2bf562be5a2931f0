#!/usr/bin/env bash
# GPU check for a machine with an NVIDIA GPU and no internet:
#   1. makes onnxruntime-node's CUDA execution provider available from PROVIDER_DIR, a folder
#      holding the provider libraries of the same ONNX Runtime version as onnxruntime-node
#      (libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so, e.g. from
#      onnxruntime-linux-x64-gpu-<version>.tgz's lib/ or the Microsoft.ML.OnnxRuntime.Gpu.Linux
#      NuGet package's runtimes/linux-x64/native/), or says precisely what is missing;
#   2. runs 20 training steps of DyNet-S at batch 8, 128x128 on CUDA and on CPU, and prints
#      the step times and the losses of both.
# Usage: tools/gpu-check.sh PROVIDER_DIR [STEPS]   (run from the repository, after npm ci)
# From the offline GPU kit (tools/gpu-kit.sh; no Node, npm or network needed), as KIT/tools/gpu-check.sh:
# it runs on the kit's node through KIT/dynet, builds nothing, and with the kit's CUDA part set
# unpacked uses its onnxruntime-node 1.29.0 and provider libraries (PROVIDER_DIR may then be
# omitted or "-"; DYNET_ORT=default keeps the kit's own onnxruntime-node).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f dynet-gpu-kit.json ] && [ -x node ] && [ -x dynet ]; then
  kit=$PWD
  if [ -f cuda/select-ort.js ]; then export DYNET_ORT=${DYNET_ORT:-cuda}; fi
  run_node() { "$kit/dynet" --kit-node "$@"; }
else
  kit=
  run_node() { node "$@"; }
fi

usage="usage: tools/gpu-check.sh PROVIDER_DIR [STEPS]"
[ -n "$kit" ] && [ "${DYNET_ORT:-}" = cuda ] && usage="usage: tools/gpu-check.sh [PROVIDER_DIR|-] [STEPS]"
provider_dir=${1:-}
steps=${2:-20}
ort_version=$(run_node -p "require('onnxruntime-node/package.json').version")
bin_dir=$(run_node -p "require('path').join(require.resolve('onnxruntime-node/package.json'), '..', 'bin', 'napi-v6', process.platform, process.arch)")
if [ -z "$provider_dir" ] || [ "$provider_dir" = - ]; then
  case $usage in *'[PROVIDER_DIR|-]'*) provider_dir=$bin_dir ;; *) echo "$usage" >&2; exit 1 ;; esac
fi
# The library path the check's node runs with: the kit's launcher adds its own folders (and the
# CUDA libraries it finds); in the repository, onnxruntime-node's folder.
if [ -n "$kit" ]; then lib_path=$(run_node -p "process.env.LD_LIBRARY_PATH || ''"); else lib_path="$bin_dir:${LD_LIBRARY_PATH:-}"; fi
missing=()

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
  || missing+=("nvidia-smi (the NVIDIA driver) is not installed or not on PATH")

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

if [ ${#missing[@]} -gt 0 ]; then
  echo "gpu-check: the CUDA provider for onnxruntime-node $ort_version is not usable; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
echo "gpu-check: CUDA provider libraries installed into $bin_dir"

[ -n "$kit" ] || npx tsc -b
run_node - "$steps" <<'JS'
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const g = require('@dynet/graph');
const { TrainingSession, writeArtifacts } = require('@dynet/train');
(async () => {
  const steps = Number(process.argv[2]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynet-gpu-check-'));
  const shape = { batch: 8, height: 128, width: 128 };
  writeArtifacts({ config: g.FULL, variant: 'S', loss: 'l1-clamped', shape, hyper: g.ADAMW_DEFAULTS,
    weights: g.initParameters(g.dynetParameterSpecs(g.FULL), 0), outDir: dir, fused: true });
  const n = 8 * 3 * 128 * 128;
  const input = Float32Array.from({ length: n }, (_, i) => (i % 251) / 251);
  const target = Float32Array.from({ length: n }, (_, i) => (i % 241) / 241);
  for (const device of ['cuda', 'cpu']) {
    const session = await TrainingSession.open(dir, { device, fused: true });
    const times = [];
    let loss;
    for (let s = 0; s < steps; s++) {
      const t0 = process.hrtime.bigint();
      loss = await session.fusedStep(input, target, 2e-4);
      times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    await session.release();
    const sorted = times.slice(1).sort((a, b) => a - b);
    console.log(`${device}: ${steps} steps, first ${times[0].toFixed(2)} s, median ${sorted[Math.floor(sorted.length / 2)].toFixed(3)} s/step, final loss ${loss.toFixed(6)}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
})().catch((e) => { console.error(`gpu-check: ${e.message}`); process.exit(1); });
JS
