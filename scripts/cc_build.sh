#!/usr/bin/env bash
# Build w2v's sdist with one C compiler into its own venv:
#   scripts/cc_build.sh CC DIR [PYTHON]     (W2V_NATIVE=1 in the environment: -march=native)
# The compiler is installed with apt-get when missing and apt-get is there (CI runs as
# root on Debian).  DIR gets the wheel (DIR/wheel) and a venv (DIR/venv) with numpy,
# click, pytest and that wheel.  Used by `make compilers` and scripts/bench_compilers.py.
set -euo pipefail
cc=$1 dir=$2 py=${3:-.venv/bin/python}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd) py=$(cd "$(dirname "$py")" && pwd)/$(basename "$py")
cd "$(dirname "$0")/.."
if ! command -v "$cc" >/dev/null; then
    command -v apt-get >/dev/null || { echo "cc_build: error: $cc not found" >&2; exit 1; }
    apt-get update -q >/dev/null; apt-get install -y -q "$cc" >/dev/null
fi
rm -rf "$dir/wheel" "$dir/sdist"
"$py" setup.py -q sdist -d "$dir/sdist" >/dev/null 2>&1
CC=$cc "$py" -m pip --disable-pip-version-check wheel -q --no-build-isolation --no-deps \
    -w "$dir/wheel" "$dir"/sdist/w2v-*.tar.gz
if [ ! -x "$dir/venv/bin/python" ]; then
    "$py" -m venv "$dir/venv"
    "$dir/venv/bin/python" -m pip --disable-pip-version-check install -q "numpy>=1.23" "click>=8.0" "pytest>=7"
fi
"$dir/venv/bin/python" -m pip --disable-pip-version-check install -q --no-deps --force-reinstall "$dir"/wheel/w2v-*.whl
echo "$cc${W2V_NATIVE:+ (W2V_NATIVE=$W2V_NATIVE)}: $(cd tests && "$dir/venv/bin/python" -c 'import w2v._train as t; print(t.simd_level())')"
