"""Build script: compiles every cython_src/w2v/*.pyx into the ``w2v`` package.

Compilers: GCC 9 and later, clang 13 and later (``CC=clang pip install .``
picks one); cython_src/w2v/w2v_simd.h states and checks this, and the build
stops with its one line before compiling anything else.  Default flags are
portable (-O3, no -march=native, no -ffast-math); on x86-64 the SIMD kernels
pick AVX-512 / AVX2+FMA / baseline code at run time.  ``W2V_NATIVE=1 pip
install .`` adds -march=native for a build tuned to (and only runnable on) the
local CPU.
"""
import glob
import os
import subprocess
import sys

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join("cython_src", "w2v")

NATIVE = os.environ.get("W2V_NATIVE", "") not in ("", "0")
compile_args = ["-O3", "-fno-strict-aliasing", "-fopenmp-simd", "-Wno-unused-function"]
macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
if NATIVE:
    compile_args.append("-march=native")
    macros.append(("W2V_NATIVE", "1"))


class checked_build_ext(build_ext):
    """build_ext that first runs the C preprocessor over w2v_simd.h with the
    compiler and flags of the build: an unsupported compiler stops the build
    with the header's one #error line instead of pages of errors."""

    def build_extensions(self):
        if self.compiler.compiler_type == "msvc":
            sys.exit("w2v build: error: MSVC is not supported; w2v needs GCC 9 or later or "
                     "clang 13 or later (on Windows: WSL, or clang/MinGW GCC with CC=)")
        cmd = list(self.compiler.compiler_so) + compile_args + [
            "-E", "-o", os.devnull, os.path.join(SRC, "w2v_simd.h")]
        try:
            probe = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as exc:
            sys.exit(f"w2v build: error: cannot run the C compiler {cmd[0]!r}: {exc.strerror}")
        if probe.returncode != 0:
            lines = probe.stderr.splitlines()
            why = next((ln for ln in lines if "#error" in ln or "error:" in ln),
                       lines[0] if lines else "")
            sys.exit(f"w2v build: error: the C compiler {cmd[0]!r} cannot build w2v: {why.strip()}")
        super().build_extensions()


extensions = [
    Extension(
        "w2v." + os.path.splitext(os.path.basename(pyx))[0],
        [pyx],
        include_dirs=[numpy.get_include(), SRC],
        extra_compile_args=compile_args,
        define_macros=macros,
    )
    for pyx in sorted(glob.glob(os.path.join(SRC, "*.pyx")))
]

setup(
    cmdclass={"build_ext": checked_build_ext},
    ext_modules=cythonize(
        extensions,
        include_path=["cython_src"],
        build_dir="build/cython",
        compiler_directives={
            "language_level": "3",
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    ),
)
