"""simd_level() names the vector code that runs: the best variant this CPU
supports in a dispatching build (the default on x86-64), the compiler's one
choice otherwise.  W2V_EXPECT_NATIVE=1 (set by `make compilers` for its
W2V_NATIVE=1 build) says the installed build is a -march=native one."""
import os
import platform
import subprocess
import sys

import pytest

import w2v._train as train

NATIVE = os.environ.get("W2V_EXPECT_NATIVE") == "1"
X86 = platform.machine() in ("x86_64", "AMD64") and os.path.exists("/proc/cpuinfo")


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def best_level():
    flags = cpu_flags()
    if {"avx512f", "avx512vl", "avx512bw", "avx512dq", "avx2", "fma"} <= flags:
        return "avx512"
    if {"avx2", "fma"} <= flags:
        return "avx2+fma"
    return "sse2"


def level_with(value):
    env = dict(os.environ, W2V_SIMD=value)
    out = subprocess.run([sys.executable, "-c", "import w2v._train as t; print(t.simd_level())"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.skipif(not X86, reason="x86-64 Linux: the CPU's flags come from /proc/cpuinfo")
def test_level_is_the_best_this_cpu_supports():
    level = train.simd_level()
    assert level.split(" ", 1)[0] == best_level()
    if NATIVE:
        assert level.endswith("(no run-time choice: built for this CPU, -march=native)")
    else:
        assert level.endswith("(picked at run time from avx512, avx2+fma, sse2)")


@pytest.mark.skipif(not X86 or NATIVE, reason="needs a dispatching x86-64 build")
def test_w2v_simd_picks_a_lower_variant():
    assert level_with("sse2").startswith("sse2 (picked at run time")
    if best_level() != "sse2":
        assert level_with("avx2+fma").startswith("avx2+fma (picked at run time")
    # a name that is not a variant changes nothing
    assert level_with("avx9").split(" ", 1)[0] == best_level()


@pytest.mark.skipif(X86, reason="builds without run-time choice")
def test_one_variant_elsewhere():
    assert "(no run-time choice" in train.simd_level()
