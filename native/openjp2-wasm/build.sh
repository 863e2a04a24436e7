#!/bin/sh
# Builds native/openjp2-wasm/openjp2.wasm: OpenJPEG's decoder compiled to WebAssembly with SIMD,
# plus src/s2_openjp2.c (the entry point electron/core/raster/jp2/wasm-own.ts calls).
#
#   native/openjp2-wasm/build.sh [path/to/openjpeg-source]
#
# Needs emcc (Debian: apt-get install emscripten) and OpenJPEG's sources: Debian's own, so the
# WASM codec decodes exactly like the system libopenjp2 (apt-get source openjpeg2, with a deb-src
# line for the configured mirror). The output is committed: users' machines have no emscripten.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-${OPENJPEG_SRC:-}}
if [ -z "$src" ] || [ ! -f "$src/src/lib/openjp2/openjpeg.h" ]; then
  echo "usage: $0 path/to/openjpeg-source (the tree with src/lib/openjp2; apt-get source openjpeg2)" >&2
  exit 2
fi
lib="$src/src/lib/openjp2"
version=$(sed -n 's/^set(OPENJPEG_VERSION_\(MAJOR\|MINOR\|BUILD\) \([0-9]*\)).*/\2/p' "$src/CMakeLists.txt" | paste -sd. -)
major=${version%%.*}; rest=${version#*.}; minor=${rest%%.*}; build=${rest#*.}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# What OpenJPEG's CMake would generate for a little-endian target with posix_memalign.
cat > "$out/opj_config.h" <<H
#define OPJ_HAVE_STDINT_H 1
#define OPJ_VERSION_MAJOR $major
#define OPJ_VERSION_MINOR $minor
#define OPJ_VERSION_BUILD $build
H
cat > "$out/opj_config_private.h" <<H
#define OPJ_HAVE_INTTYPES_H 1
#define OPJ_PACKAGE_VERSION "$version"
#define OPJ_HAVE_POSIX_MEMALIGN
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200112L
#endif
H

files="thread bio cio dwt event ht_dec image invert j2k jp2 mct mqc openjpeg opj_clock pi t1 t2 tcd tgt function_list opj_malloc sparse_array"
set --
for f in $files; do set -- "$@" "$lib/$f.c"; done

# -msimd128 -msse2: OpenJPEG's SSE2 paths (the 5/3 inverse wavelet, the MCT) go through
# emscripten's SSE2 -> WASM SIMD headers. Standalone: no JS glue, plain WebAssembly.instantiate.
# --profiling-funcs keeps function names (3 KB) so `node --cpu-prof` profiles say where time goes.
emcc -O3 -flto -msimd128 -msse2 -mbulk-memory -DNDEBUG -DOPJ_STATIC --profiling-funcs ${S2_EMCC_FLAGS:-} \
  -I"$out" -I"$lib" \
  "$@" "$here/src/s2_openjp2.c" \
  --no-entry -s STANDALONE_WASM=1 -s ALLOW_MEMORY_GROWTH=1 -s INITIAL_MEMORY=33554432 \
  -s MAXIMUM_MEMORY=1073741824 -s TOTAL_STACK=1048576 -s FILESYSTEM=0 \
  -s EXPORTED_FUNCTIONS=_s2_decode,_s2_alloc,_s2_free,_s2_message,_s2_version \
  -o "$out/openjp2.wasm"
cp "$out/openjp2.wasm" "$here/openjp2.wasm"
cp "$src/LICENSE" "$here/LICENSE.openjpeg"
echo "built $here/openjp2.wasm ($(wc -c < "$here/openjp2.wasm") bytes) from OpenJPEG $version"
