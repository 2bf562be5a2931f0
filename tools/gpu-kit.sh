#!/usr/bin/env bash
# The offline GPU kit: everything a bare Linux x86-64 machine with an NVIDIA driver (no Node, no
# npm, no internet) needs to run `dynet` and tools/gpu-check.sh, as xz parts of at most 30 MiB:
#   node                     the Node binary running this script (stripped), and lib/fallback/ with
#                            the non-glibc libraries it links (libstdc++, libgcc_s), used only when
#                            the machine has none that work
#   packages/*/              the built packages (package.json, dist, bin, models), no sources/maps
#   node_modules/            the run-time dependency closure of @dynet/cli (onnxruntime-node with
#                            its Linux x64 binaries only, sharp with libvips, yargs, protobufjs, ...)
#                            without esbuild and onnxruntime-web: `dynet serve` and --device wasm
#                            are not in the kit
#   lib/libvulkan.so.1       Debian's Vulkan loader, for onnxruntime-node's WebGPU provider (Dawn)
#   tools/gpu-check.sh, dynet (the launcher), dynet-gpu-kit.json (what went in)
# With --cuda, a second, optional part set (dynet-gpu-kit-cuda.tar.xz.part-*) holds cuda/:
# onnxruntime-node 1.29.0 and the ONNX Runtime 1.29.0 CUDA 13 provider libraries (from the npm
# package com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9), which the launcher selects for
# `--device cuda` (or DYNET_ORT=cuda). It needs the npm registry once; the tarballs are cached in
# $DYNET_KIT_CACHE (default ~/.cache/dynet-gpu-kit).
#
# Usage: tools/gpu-kit.sh [--out DIR] [--cuda]      (in the repository, after npm ci)
#   DIR defaults to gpu-kit/ in the repository. XZ_LEVEL (default 6) sets xz's preset (0-9, 6e...).
# Unpacking needs only cat, xz and tar: see DIR/UNPACK.txt.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/gpu-kit
cuda=0
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --out=*) out=${1#--out=}; shift ;;
    --cuda) cuda=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-kit: unknown argument $1 (usage: tools/gpu-kit.sh [--out DIR] [--cuda])" >&2; exit 2 ;;
  esac
done
xz_level=${XZ_LEVEL:-6}
case $xz_level in [0-9]|[0-9]e) ;; *) echo "gpu-kit: XZ_LEVEL must be 0-9 (optionally with e), not $xz_level" >&2; exit 2 ;; esac
part_bytes=$((30 * 1024 * 1024))
cache=${DYNET_KIT_CACHE:-$HOME/.cache/dynet-gpu-kit}
ort_cuda_version=1.29.0
cuda_provider_pkg=com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9

say() { echo "gpu-kit: $*" >&2; }
die() { say "$*"; exit 1; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
size_of() { du -sb --apparent-size "$@" | awk '{ s += $1 } END { print s + 0 }'; }

[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || die "builds the Linux x86-64 kit only on Linux x86-64, not $(uname -s)/$(uname -m)"
for tool in node tar xz split sha256sum ldd; do command -v "$tool" >/dev/null || die "needs $tool on PATH"; done
node_bin=$(readlink -f "$(command -v node)")
for p in graph train infer cli; do
  [ -f "$repo/packages/$p/dist/index.js" ] || die "packages/$p/dist is missing: run npm ci (or npm run build) first"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/dynet-gpu-kit-XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/kit
mkdir -p "$stage/lib/fallback" "$stage/tools" "$stage/packages" "$stage/node_modules/@dynet"

# --- Node ---------------------------------------------------------------------------------------
head -c 4 "$node_bin" | grep -q 'ELF' || die "$node_bin is not an ELF binary"
cp "$node_bin" "$stage/node"
if command -v strip >/dev/null && strip "$stage/node" 2>/dev/null && "$stage/node" -e 0; then :; else
  cp -f "$node_bin" "$stage/node"; say "kept $node_bin unstripped (strip is missing or failed)"
fi
chmod 755 "$stage/node"

# --- The built packages -------------------------------------------------------------------------
for p in graph train infer cli; do
  mkdir -p "$stage/packages/$p"
  cp "$repo/packages/$p/package.json" "$stage/packages/$p/"
  for d in dist bin models; do
    [ -d "$repo/packages/$p/$d" ] && cp -r "$repo/packages/$p/$d" "$stage/packages/$p/"
  done
  ln -s "../../packages/$p" "$stage/node_modules/@dynet/$p"
done
find "$stage/packages" \( -name '*.map' -o -name '*.ts' -o -name '*.tsbuildinfo' \) -type f -delete

# --- node_modules: the run-time closure of @dynet/cli -------------------------------------------
# Follows dependencies and optionalDependencies (those installed) the way Node resolves them,
# leaving out what only `dynet serve`/--device wasm (esbuild, onnxruntime-web), onnxruntime-node's
# install script (adm-zip, global-agent) or the type checker (@types/*) use.
node - "$repo" "$stage" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const [repo, stage] = process.argv.slice(2);
const EXCLUDED = /^(esbuild|onnxruntime-web|adm-zip|global-agent|@types\/.*)$/;
const KEEP_DOC = /^(licen[cs]e|notice|copying|thirdpartynotices|authors)([.-].*)?$/i;
const DROP_DIR = new Set(['node_modules', 'test', 'tests', '__tests__', 'docs', 'doc', 'example', 'examples', '.github', 'benchmark', 'benchmarks', 'coverage', 'man']);
const DROP_FILE = /(\.map|\.ts|\.mts|\.cts|\.md|\.markdown|\.cc|\.cpp|\.c|\.h|\.hpp|\.gyp|\.gypi|\.tsbuildinfo|\.flow)$|^(\.npmignore|\.eslintrc.*|\.prettierrc.*|\.editorconfig|\.travis\.yml|tsconfig.*\.json|Makefile|binding\.gyp|CHANGELOG.*|HISTORY.*)$/i;
// Per-package folders that are not needed at run time (relative to the package).
const DROP_PATHS = {
  protobufjs: ['cli', 'scripts', 'bin'],
  'onnxruntime-node': ['script', 'lib'],
  'onnxruntime-common': ['lib'],
  sharp: ['src', 'install'],
};

const found = new Map(); // real dir -> {name, rel}
const workspaces = new Set();
function resolveFrom(dir, name) {
  for (let d = dir; ; d = path.dirname(d)) {
    if (path.basename(d) !== 'node_modules') {
      const c = path.join(d, 'node_modules', name);
      if (fs.existsSync(path.join(c, 'package.json'))) return c;
    }
    if (d === path.dirname(d)) return null;
  }
}
const queue = [path.join(repo, 'packages', 'cli')];
const seen = new Set();
while (queue.length) {
  const dir = queue.shift();
  if (seen.has(dir)) continue;
  seen.add(dir);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const deps = [...Object.keys(pkg.dependencies || {}).map((n) => [n, false]), ...Object.keys(pkg.optionalDependencies || {}).map((n) => [n, true])];
  for (const [name, optional] of deps) {
    if (EXCLUDED.test(name)) continue;
    const at = resolveFrom(dir, name);
    if (!at) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${pkg.name}) is not installed: run npm ci`);
    }
    const real = fs.realpathSync(at);
    if (real.startsWith(path.join(repo, 'packages') + path.sep)) workspaces.add(name);
    else {
      const rel = path.relative(repo, at);
      if (!rel.startsWith('node_modules' + path.sep)) throw new Error(`${name} resolved outside node_modules: ${at}`);
      found.set(real, { name, rel });
    }
    queue.push(real);
  }
}

function copyPackage(src, dst, name) {
  const drops = new Set((DROP_PATHS[name] || []).map((p) => path.join(src, p)));
  const walk = (s, d, top) => {
    fs.mkdirSync(d, { recursive: true });
    for (const e of fs.readdirSync(s, { withFileTypes: true })) {
      const from = path.join(s, e.name);
      if (drops.has(from)) continue;
      if (e.isDirectory()) {
        if (DROP_DIR.has(e.name)) continue;
        // onnxruntime-node: keep bin/napi-v6/linux/x64 only
        const relBin = path.relative(src, from).split(path.sep);
        if (name === 'onnxruntime-node' && relBin[0] === 'bin' && relBin.length >= 3 && relBin[2] !== 'linux') continue;
        if (name === 'onnxruntime-node' && relBin[0] === 'bin' && relBin.length >= 4 && relBin[3] !== 'x64') continue;
        walk(from, path.join(d, e.name), false);
      } else if (e.isSymbolicLink()) {
        fs.symlinkSync(fs.readlinkSync(from), path.join(d, e.name));
      } else if (e.isFile()) {
        if (!KEEP_DOC.test(e.name) && (DROP_FILE.test(e.name) || /^readme/i.test(e.name))) continue;
        fs.copyFileSync(from, path.join(d, e.name));
        fs.chmodSync(path.join(d, e.name), fs.statSync(from).mode & 0o777);
      }
    }
  };
  walk(src, dst, true);
  if (!fs.existsSync(path.join(dst, 'package.json'))) fs.copyFileSync(path.join(src, 'package.json'), path.join(dst, 'package.json'));
}
const rels = [...found.values()].sort((a, b) => a.rel.localeCompare(b.rel));
for (const { name, rel } of rels) copyPackage(path.join(repo, rel), path.join(stage, rel), name);
const mustHave = ['node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node', 'node_modules/@img/sharp-linux-x64/package.json', 'node_modules/@img/sharp-libvips-linux-x64/package.json'];
for (const f of mustHave) if (!fs.existsSync(path.join(stage, f))) throw new Error(`${f} is missing from the kit`);
fs.writeFileSync(path.join(stage, '.modules.txt'), rels.map((r) => r.rel).join('\n') + '\n');
JS
modules_count=$(wc -l < "$stage/.modules.txt")
mv "$stage/.modules.txt" "$work/modules.txt"

# --- The Vulkan loader --------------------------------------------------------------------------
# Debian's libvulkan1: the installed copy when the package is installed, else `apt-get download`.
vk_src=${VULKAN_LOADER:-}
vk_version=
if [ -z "$vk_src" ] && dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q 'ok installed'; then
  vk_src=$(dpkg -L libvulkan1 | grep -E '/libvulkan\.so\.1\.[0-9.]+$' | head -n 1)
  vk_version=$(dpkg-query -W -f='${Version}' libvulkan1)
  [ -f /usr/share/doc/libvulkan1/copyright ] && cp /usr/share/doc/libvulkan1/copyright "$stage/lib/libvulkan1.copyright"
fi
if [ -z "$vk_src" ]; then
  command -v apt-get >/dev/null || die "no Vulkan loader: install libvulkan1, or set VULKAN_LOADER=/path/to/libvulkan.so.1"
  (cd "$work" && apt-get download libvulkan1 >/dev/null) || die "apt-get download libvulkan1 failed (set VULKAN_LOADER=/path/to/libvulkan.so.1)"
  deb=$(ls "$work"/libvulkan1_*.deb | head -n 1)
  dpkg-deb -x "$deb" "$work/vulkan"
  vk_src=$(find "$work/vulkan" -name 'libvulkan.so.1.*' -type f | head -n 1)
  vk_version=$(dpkg-deb -f "$deb" Version)
  [ -f "$work/vulkan/usr/share/doc/libvulkan1/copyright" ] && cp "$work/vulkan/usr/share/doc/libvulkan1/copyright" "$stage/lib/libvulkan1.copyright"
fi
[ -f "$vk_src" ] || die "no Vulkan loader at $vk_src"
cp -L "$vk_src" "$stage/lib/libvulkan.so.1"

# --- Non-glibc libraries the binaries link ------------------------------------------------------
# glibc's own libraries are the machine's; anything else a kit binary needs from outside the kit
# goes into lib/fallback (the launcher adds it only when the kit's node cannot start without it).
glibc_libs='^(linux-vdso|linux-gate|ld-linux[-a-z0-9_]*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libnsl|libmvec)\.so'
mapfile -t elfs < <(find "$stage" -type f \( -name node -o -name '*.node' -o -name '*.so' -o -name '*.so.*' \) -not -path '*/lib/fallback/*')
unresolved=()
for f in "${elfs[@]}"; do
  head -c 4 "$f" | grep -q ELF || continue
  while read -r soname arrow target _; do
    [ "$arrow" = '=>' ] || continue
    [[ $soname =~ $glibc_libs ]] && continue
    if [ "$target" = not ]; then unresolved+=("$soname (needed by ${f#"$stage"/})"); continue; fi
    case $target in "$stage"/*) continue ;; esac
    [ -f "$stage/lib/fallback/$soname" ] || cp -L "$target" "$stage/lib/fallback/$soname"
  done < <(LD_LIBRARY_PATH="$stage/lib:$(dirname "$f")" ldd "$f" 2>/dev/null || true)
done
[ ${#unresolved[@]} -eq 0 ] || { say "libraries no kit binary can find (here):"; printf '  - %s\n' "${unresolved[@]}" >&2; }

# --- tools, launcher, manifest ------------------------------------------------------------------
cp "$repo/tools/gpu-check.sh" "$repo/tools/gpu-check.js" "$repo/tools/dynet_torch.py" "$stage/tools/"
chmod 755 "$stage/tools/gpu-check.sh" "$stage/tools/gpu-check.js"
cat > "$stage/dynet" <<'SH'
#!/bin/sh
# dynet from the offline GPU kit: the kit's node, its packages and node_modules, its Vulkan loader.
#   KIT/dynet ARGS...              the dynet command (dynet --help lists its commands)
#   KIT/dynet --kit-node ARGS...   the kit's node with the same environment (e.g. -e/-p, a script),
#                                  and NODE_PATH=KIT/node_modules
# With the CUDA part set unpacked (KIT/cuda), `--device cuda` (or DYNET_ORT=cuda) runs on its
# onnxruntime-node 1.29.0 and CUDA provider; the CUDA libraries come from LD_LIBRARY_PATH, from
# DYNET_CUDA_LIBS (folders, colon-separated) or, when neither is set, from the nvidia-* pip wheels
# python3 finds. DYNET_ORT=default keeps the kit's own onnxruntime-node (CPU, WebGPU).
# Shell built-ins only (a bare machine's PATH may hold little): find the kit from $0.
self=$0
case $self in */*) ;; *) self=$(command -v -- "$self") ;; esac
if [ -L "$self" ] && command -v readlink >/dev/null 2>&1; then self=$(readlink -f -- "$self"); fi
KIT=$(CDPATH= cd -- "${self%/*}" && pwd)
DYNET_KIT=$KIT
export DYNET_KIT
outer=${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
LD_LIBRARY_PATH="$KIT/lib$outer"
export LD_LIBRARY_PATH
# lib/fallback (the build machine's libstdc++/libgcc_s) only when the kit's node cannot start without it
"$KIT/node" -e 0 >/dev/null 2>&1 || LD_LIBRARY_PATH="$KIT/lib:$KIT/lib/fallback$outer"

ort=${DYNET_ORT:-}
if [ -z "$ort" ]; then
  prev=
  for a in "$@"; do
    case "$prev=$a" in --device=cuda|*=--device=cuda) ort=cuda ;; esac
    prev=$a
  done
fi
preload=
if [ "$ort" = cuda ]; then
  if [ ! -f "$KIT/cuda/select-ort.js" ]; then
    echo "dynet (kit): --device cuda needs the kit's CUDA part set (dynet-gpu-kit-cuda.tar.xz.part-*) unpacked into $KIT" >&2
    exit 1
  fi
  preload="$KIT/cuda/select-ort.js"
  if [ -z "${DYNET_CUDA_LIBS+x}" ] && command -v python3 >/dev/null 2>&1; then
    DYNET_CUDA_LIBS=$(python3 - 2>/dev/null <<'PY'
import glob, os
try:
    import nvidia
    dirs = {os.path.dirname(p) for base in nvidia.__path__ for p in glob.glob(os.path.join(base, '**', 'lib*.so*'), recursive=True)}
    print(':'.join(sorted(dirs)))
except Exception:
    pass
PY
)
  fi
  [ -n "${DYNET_CUDA_LIBS:-}" ] && LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$DYNET_CUDA_LIBS"
fi

if [ "${1:-}" = --kit-node ]; then
  shift
  NODE_PATH="$KIT/node_modules${NODE_PATH:+:$NODE_PATH}"
  export NODE_PATH
  if [ -n "$preload" ]; then exec "$KIT/node" --require "$preload" "$@"; fi
  exec "$KIT/node" "$@"
fi
if [ -n "$preload" ]; then exec "$KIT/node" --require "$preload" "$KIT/packages/cli/bin/dynet.js" "$@"; fi
exec "$KIT/node" "$KIT/packages/cli/bin/dynet.js" "$@"
SH
chmod 755 "$stage/dynet"

# A quick check that the staged kit starts (with this machine's libraries).
"$stage/dynet" --help >/dev/null || die "the staged kit's dynet --help failed"
"$stage/dynet" --kit-node -e "require('onnxruntime-node'); require('sharp')" || die "the staged kit cannot load onnxruntime-node or sharp"

ort_version=$("$stage/node" -p "require('$stage/node_modules/onnxruntime-node/package.json').version")
node_version=$("$stage/node" -v)
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$repo" status --porcelain 2>/dev/null | grep -q . && echo true || echo false)
s_node=$(size_of "$stage/node"); s_fallback=$(size_of "$stage/lib/fallback"); s_vulkan=$(size_of "$stage/lib/libvulkan.so.1")
s_packages=$(size_of "$stage/packages"); s_ort=$(size_of "$stage/node_modules/onnxruntime-node" "$stage/node_modules/onnxruntime-common")
s_sharp=$(size_of "$stage"/node_modules/sharp "$stage"/node_modules/@img)
s_modules=$(size_of "$stage/node_modules")
cat > "$stage/dynet-gpu-kit.json" <<EOF
{
  "kit": "dynet offline GPU kit",
  "commit": "$commit",
  "dirtyTree": $dirty,
  "node": "$node_version",
  "onnxruntimeNode": "$ort_version",
  "vulkanLoader": "libvulkan1 ${vk_version:-($vk_src)}",
  "nodeModules": $modules_count,
  "bytes": { "node": $s_node, "libFallback": $s_fallback, "vulkanLoader": $s_vulkan, "packages": $s_packages, "onnxruntime": $s_ort, "sharp": $s_sharp, "nodeModules": $s_modules },
  "needs": "Linux x86-64, glibc >= 2.28, libstdc++ with GLIBCXX_3.4.22 (else lib/fallback), an NVIDIA driver with its Vulkan ICD for --device webgpu"
}
EOF

echo "kit contents before compression:"
printf '  %-44s %10s\n' "node $node_version (stripped)" "$(mib "$s_node")" \
  "lib/fallback ($(cd "$stage/lib/fallback" && echo *))" "$(mib "$s_fallback")" \
  "lib/libvulkan.so.1 (${vk_version:-?})" "$(mib "$s_vulkan")" \
  "packages/ (dist, bin, models)" "$(mib "$s_packages")" \
  "node_modules/ ($modules_count packages)" "$(mib "$s_modules")" \
  "  of which onnxruntime-node $ort_version + common" "$(mib "$s_ort")" \
  "  of which sharp + @img (libvips)" "$(mib "$s_sharp")" \
  "total" "$(mib "$(size_of "$stage")")"

# --- The CUDA part set (optional) ---------------------------------------------------------------
if [ "$cuda" = 1 ]; then
  cstage=$work/cuda-kit
  cdir=$cstage/cuda
  mkdir -p "$cdir/node_modules" "$cache"
  for spec in "onnxruntime-node@$ort_cuda_version" "onnxruntime-common@$ort_cuda_version" "$cuda_provider_pkg"; do
    tgz=$cache/$(echo "${spec%@*}" | sed 's/^@//; s#/#-#')-${spec##*@}.tgz
    if [ ! -f "$tgz" ]; then
      say "npm pack $spec (into $cache)"
      (cd "$cache" && npm pack --silent "$spec" >/dev/null) || die "npm pack $spec failed (the CUDA set needs the npm registry once)"
    fi
    [ -f "$tgz" ] || die "npm pack $spec did not leave $tgz"
  done
  for name in onnxruntime-node onnxruntime-common; do
    mkdir -p "$cdir/node_modules/$name"
    tar -xzf "$cache/$name-$ort_cuda_version.tgz" -C "$cdir/node_modules/$name" --strip-components=1
  done
  onm=$cdir/node_modules/onnxruntime-node
  rm -rf "$onm/script" "$onm/lib" "$cdir/node_modules/onnxruntime-common/lib"
  find "$onm/bin/napi-v6" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} +
  find "$onm/bin/napi-v6/linux" -mindepth 1 -maxdepth 1 ! -name x64 -exec rm -rf {} +
  find "$cdir/node_modules" -type f \( -name '*.map' -o -name '*.ts' -o -iname 'readme*' \) -delete
  mkdir -p "$work/cuda-provider"
  tar -xzf "$cache/${cuda_provider_pkg%@*}-${cuda_provider_pkg##*@}.tgz" -C "$work/cuda-provider" \
    package/LICENSE package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so package/Plugins/Linux/x64/libonnxruntime_providers_shared.so
  cp "$work"/cuda-provider/package/Plugins/Linux/x64/libonnxruntime_providers_{cuda,shared}.so "$onm/bin/napi-v6/linux/x64/"
  cp "$work/cuda-provider/package/LICENSE" "$cdir/LICENSE.onnxruntime-providers"
  cat > "$cdir/select-ort.js" <<'JS'
// Preloaded by KIT/dynet for --device cuda: `onnxruntime-node` and `onnxruntime-common` resolve to
// the CUDA part set's 1.29.0 (whose folder holds the CUDA provider libraries), not the kit's own.
'use strict';
const Module = require('node:module');
const path = require('node:path');
const anchor = new Module(path.join(__dirname, 'select-ort.js'), null);
anchor.filename = anchor.id;
anchor.paths = Module._nodeModulePaths(__dirname);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  if (/^onnxruntime-(node|common)(\/|$)/.test(request)) return resolve.call(this, request, anchor, isMain);
  return resolve.call(this, request, parent, isMain, options);
};
JS
  cat > "$cdir/README.txt" <<EOF
The dynet GPU kit's CUDA part set: onnxruntime-node $ort_cuda_version (npm) with the ONNX Runtime
$ort_cuda_version CUDA provider built for CUDA 13 ($cuda_provider_pkg, MIT; LICENSE.onnxruntime-providers)
in node_modules/onnxruntime-node/bin/napi-v6/linux/x64/. KIT/dynet selects it for --device cuda or
DYNET_ORT=cuda; the provider needs the CUDA 13 runtime, cuBLAS(Lt), cuRAND, cuDNN 9 and the driver's
libcuda.so.1 (LD_LIBRARY_PATH, DYNET_CUDA_LIBS, or the nvidia-* pip wheels python3 imports).
EOF
  s_prov=$(size_of "$onm"/bin/napi-v6/linux/x64/libonnxruntime_providers_*.so)
  s_cort=$(size_of "$onm" "$cdir/node_modules/onnxruntime-common")
  echo "CUDA part set before compression:"
  printf '  %-44s %10s\n' "onnxruntime-node $ort_cuda_version + common" "$(mib $((s_cort - s_prov)))" \
    "CUDA provider libraries (cuda, shared)" "$(mib "$s_prov")" \
    "total" "$(mib "$(size_of "$cstage")")"
fi

# --- Compress, split, checksum ------------------------------------------------------------------
mkdir -p "$out"
out=$(cd "$out" && pwd)
pack() { # pack STAGE NAME
  rm -f "$out/$2".tar.xz.part-*
  say "tar | xz -T1 --x86 --lzma2=preset=$xz_level | split ($2; this takes a while)"
  # The x86 BCJ filter makes the binaries (most of the kit) ~5% smaller; `xz -d` undoes it by itself.
  tar -C "$1" --owner=0 --group=0 --numeric-owner -cf - . \
    | xz -T1 --x86 "--lzma2=preset=$xz_level" -c \
    | split -b "$part_bytes" -d -a 2 - "$out/$2.tar.xz.part-"
}
pack "$stage" dynet-gpu-kit
[ "$cuda" = 1 ] && pack "$cstage" dynet-gpu-kit-cuda

(cd "$out" && sha256sum dynet-gpu-kit*.tar.xz.part-* > SHA256SUMS)
cat > "$out/UNPACK.txt" <<EOF
dynet offline GPU kit (commit $commit, node $node_version, onnxruntime-node $ort_version)

Unpacking needs only cat, xz and tar (and sha256sum to check the parts):
  sha256sum -c SHA256SUMS
  mkdir -p KIT
  cat dynet-gpu-kit.tar.xz.part-* | xz -d | tar -x -C KIT
Optional CUDA part set (onnxruntime-node $ort_cuda_version + its CUDA 13 provider), into the same KIT:
  cat dynet-gpu-kit-cuda.tar.xz.part-* | xz -d | tar -x -C KIT

Then, with no Node installed:
  KIT/dynet --help
  KIT/dynet restore photo.png -o restored.png                 (CPU)
  KIT/dynet restore photo.png -o restored.png --device webgpu (Vulkan: the kit's loader + the NVIDIA ICD)
  KIT/dynet restore photo.png -o restored.png --device cuda   (with the CUDA part set)
  KIT/tools/gpu-check.sh [PROVIDER_DIR|-] [OPTIONS] (PROVIDER_DIR: none needed with the CUDA part set)
Needs Linux x86-64 with glibc >= 2.28. Not in the kit: dynet serve and --device wasm (esbuild, onnxruntime-web).
EOF

echo "parts in $out (xz --x86 --lzma2=preset=$xz_level, at most $part_bytes bytes each):"
for set in dynet-gpu-kit dynet-gpu-kit-cuda; do
  total=0
  for f in "$out/$set".tar.xz.part-*; do
    [ -f "$f" ] || continue
    s=$(stat -c %s "$f")
    [ "$s" -le "$part_bytes" ] || die "$f is $s bytes, over $part_bytes"
    total=$((total + s))
    printf '  %-40s %12d bytes  %s\n' "${f##*/}" "$s" "$(mib "$s")"
  done
  [ "$total" -gt 0 ] && printf '  %-40s %12d bytes  %s\n' "$set total" "$total" "$(mib "$total")"
done
exit 0
