"""Build script: compiles every cython_src/w2v/*.pyx into the ``w2v`` package.

Default flags are portable (-O3, no -march=native, no -ffast-math).  The SIMD
kernels in cython_src/w2v/w2v_simd.h pick AVX-512 / AVX2+FMA / baseline code
at run time.  ``W2V_NATIVE=1 pip install .`` adds -march=native for a build
tuned to (and only runnable on) the local CPU.
"""
import glob
import os
import sys

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join("cython_src", "w2v")

compile_args = []
if sys.platform != "win32":
    compile_args = ["-O3", "-fno-strict-aliasing", "-fopenmp-simd", "-Wno-unused-function"]
    if os.environ.get("W2V_NATIVE", "") not in ("", "0"):
        compile_args.append("-march=native")

extensions = [
    Extension(
        "w2v." + os.path.splitext(os.path.basename(pyx))[0],
        [pyx],
        include_dirs=[numpy.get_include(), SRC],
        extra_compile_args=compile_args,
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
    for pyx in sorted(glob.glob(os.path.join(SRC, "*.pyx")))
]

setup(
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
