# w2v developer entry points.  A fresh machine needs only python3 (>= 3.9)
# with venv, and a C compiler.
#
#   make install         ./.venv with w2v installed editable (compiled modules
#                        land in w2v/), so every README command works from here
#   make demo            train on the bundled King James Bible, show neighbours
#   make demo CORPUS=f   the same on any text file (.gz/.bz2/.xz too), then an
#                        interactive `w2v distance` prompt (EXIT or Ctrl-D quits)
#   make test            build a wheel, install it into ./.venv-test, run the
#                        test suite against it (TESTS=... PYTEST_ARGS=... for a part)
#   make bench           speed/quality benchmark against word2vec.c and gensim
#   make clean

PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip --disable-pip-version-check
W2V     := $(VENV)/bin/w2v
TVENV   ?= .venv-test
WHEEL   := build/wheel
TESTS   ?= tests
PYTEST_ARGS ?= -q
THREADS ?= 2
CORPUS  ?=
DEMO    := build/demo
PROMPT_NOTE := nearest words: type a word (or several), EXIT or Ctrl-D to quit
BENCH_ARGS ?=

COMPILED := setup.py pyproject.toml $(wildcard cython_src/w2v/*.pyx cython_src/w2v/*.pxd cython_src/w2v/*.h)
SOURCES  := $(COMPILED) MANIFEST.in README.md $(wildcard w2v/*.py w2v/*/*.py w2v/data/*)
# Package lists come from pyproject.toml, the one place that names them: the
# build requirements, the dependencies, and the extras ("test": what the test
# suite needs besides the package, the C tools of PyPI's word2vec, gensim and
# scikit-learn included).  $(call pyproject,NAME) is the list `NAME = [...]`,
# each package quoted for the shell.
pyproject = $(shell $(PYTHON) -c 'import re; t = open("pyproject.toml").read(); \
    b = re.search(r"^$(1) = \[(.*?)\]$$", t, re.M | re.S).group(1); \
    print(" ".join(chr(34) + s + chr(34) for s in re.findall(chr(34) + "([^" + chr(34) + "]*)" + chr(34), b)))')
BUILD_DEPS := $(call pyproject,requires)
RUN_DEPS   := $(call pyproject,dependencies)
TEST_DEPS  := $(call pyproject,test)
ifeq ($(and $(BUILD_DEPS),$(RUN_DEPS),$(TEST_DEPS)),)
$(error could not read the package lists (requires, dependencies, test) from pyproject.toml)
endif
# .venv (make install, the demo): what builds and runs w2v, with the test extra's MPI and
# plotting packages; the peers the comparison tests run against stay in .venv-test
PEERS      := "word2vec% "gensim% "scikit-learn%
DEPS       := $(BUILD_DEPS) $(RUN_DEPS) $(filter-out $(PEERS),$(TEST_DEPS))

.PHONY: all install demo test bench clean native

all: install

$(VENV)/.deps: pyproject.toml
	@echo "setting up $(VENV) (build and test dependencies)..."
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q $(DEPS)
	touch $@

# Editable: Python files are used from w2v/ as they are; only a change to the
# compiled sources needs a rebuild.
$(VENV)/.editable: $(VENV)/.deps $(COMPILED)
	@echo "building w2v into $(VENV) (compiles the Cython modules: about a minute)..."
	$(PIP) install --no-build-isolation --no-deps -e .
	touch $@

install: $(VENV)/.editable

# Opt-in build for this CPU only (-march=native); not portable to other machines.
native: $(VENV)/.deps
	@echo "building w2v for this CPU into $(VENV) (about a minute)..."
	W2V_NATIVE=1 $(PIP) install --no-build-isolation --no-deps --force-reinstall -e .
	touch $(VENV)/.editable

demo: install
	@mkdir -p $(DEMO)
	@echo "training on $(if $(CORPUS),$(CORPUS),the bundled King James Bible)..."
	$(W2V) train -train "$${CORPUS:-$$($(PY) -c 'import w2v; print(w2v.demo_corpus())')}" \
	    -output $(DEMO)/vectors.bin -binary 1 -cbow 0 -size 100 -window 5 -negative 5 \
	    -sample 1e-3 -iter 5 -min-count 5 -threads $(THREADS)
	$(if $(CORPUS),@echo "$(PROMPT_NOTE)")
	$(W2V) distance $(DEMO)/vectors.bin -n 10 $(if $(CORPUS),,god king jerusalem water)

# The suite tests a normal (non-editable) install: a wheel built from this tree,
# installed into its own venv, and pytest run from tests/ so that the source
# folder w2v/ is not importable (tests/conftest.py checks it).  The dev venv is
# built too: tests/test_readme.py runs the README's commands with it.
$(TVENV)/.deps: pyproject.toml
	@echo "setting up $(TVENV) (test dependencies)..."
	$(PYTHON) -m venv $(TVENV)
	$(TVENV)/bin/python -m pip --disable-pip-version-check install -q $(RUN_DEPS) $(TEST_DEPS)
	touch $@

$(WHEEL)/.built: $(VENV)/.deps $(SOURCES)
	@echo "building a w2v wheel in $(WHEEL) for the tests..."
	rm -rf $(WHEEL)
	$(PIP) wheel --no-build-isolation --no-deps -w $(WHEEL) .
	touch $@

$(TVENV)/.installed: $(TVENV)/.deps $(WHEEL)/.built
	$(TVENV)/bin/python -m pip --disable-pip-version-check install -q --no-deps --force-reinstall $(WHEEL)/w2v-*.whl
	touch $@

test: install $(TVENV)/.installed
	cd tests && ../$(TVENV)/bin/python -m pytest $(PYTEST_ARGS) $(patsubst tests/%,%,$(patsubst tests,.,$(TESTS)))

$(VENV)/.bench: $(VENV)/.deps
	$(PIP) install -q $(call pyproject,bench)
	touch $@

# bench.py takes BENCH_ARGS (e.g. BENCH_ARGS=--quick); the phrases and vectors
# benchmarks run after it when present.
bench: install $(VENV)/.bench
	$(PY) scripts/bench.py $(BENCH_ARGS)
	@for s in scripts/bench_phrases.py scripts/bench_vectors.py; do \
	    if [ -f $$s ]; then echo "$(PY) $$s"; $(PY) $$s || exit 1; fi; \
	done

clean:
	rm -rf build dist *.egg-info $(VENV) $(TVENV) cython_src/w2v/*.c w2v/*.so
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Portability (CI runs it after `make test`): the sdist built with gcc-11 and clang
# (apt-get installs them when missing), each in its own venv under build/cc/, runs the
# kernels' exactness tests; a W2V_NATIVE=1 build checks simd_level(); the primitives' C
# test runs natively and, cross-compiled, on aarch64 under qemu; the generated C of every
# module compiles for aarch64.  CC_LIST=... picks other compilers.
CC_LIST  ?= gcc-11 clang
CC_TESTS ?= test_simd_level.py test_batch.py test_training.py::test_seed_reproducible_with_one_thread \
            test_training.py::test_hierarchical_softmax_updates_exactly \
            test_model_state.py::test_loss_and_updates_match_a_numpy_reference \
            test_model_state.py::test_loss_outside_the_table_is_exact
AARCH64_CC ?= aarch64-linux-gnu-gcc
SIMD_CFLAGS := -O3 -fopenmp-simd -Wall -Wextra -Wno-unused-function -Icython_src/w2v

.PHONY: compilers simd-test
compilers: $(VENV)/.deps simd-test
	@set -e; for cc in $(CC_LIST); do \
	    scripts/cc_build.sh $$cc build/cc/$$cc $(PY); \
	    (cd tests && ../build/cc/$$cc/venv/bin/python -m pytest -q $(CC_TESTS)); \
	done
	W2V_NATIVE=1 scripts/cc_build.sh $(firstword $(CC_LIST)) build/cc/native $(PY)
	cd tests && W2V_EXPECT_NATIVE=1 ../build/cc/native/venv/bin/python -m pytest -q $(CC_TESTS)

simd-test: $(VENV)/.deps
	@mkdir -p build/simd
	$(or $(CC),cc) $(SIMD_CFLAGS) tests/c/test_simd.c -o build/simd/test_simd -lm
	build/simd/test_simd | tee build/simd/shuffle.txt
	W2V_SIMD=sse2 build/simd/test_simd | head -1
	$(or $(CC),cc) $(SIMD_CFLAGS) -DW2V_NO_SHUFFLE tests/c/test_simd.c -o build/simd/test_simd_noshuf -lm
	build/simd/test_simd_noshuf > build/simd/noshuffle.txt
	@grep bits build/simd/shuffle.txt > build/simd/shuffle.bits; grep bits build/simd/noshuffle.txt > build/simd/noshuffle.bits
	@cmp -s build/simd/shuffle.bits build/simd/noshuffle.bits && echo "ok   W2V_NO_SHUFFLE build: the same dot_block bits" || \
	    { echo "FAIL W2V_NO_SHUFFLE build: other dot_block bits"; diff build/simd/shuffle.bits build/simd/noshuffle.bits; exit 1; }
	@command -v $(AARCH64_CC) >/dev/null && command -v qemu-aarch64 >/dev/null || \
	    { apt-get update -q >/dev/null; apt-get install -y -q gcc-aarch64-linux-gnu qemu-user >/dev/null; }
	$(AARCH64_CC) $(SIMD_CFLAGS) tests/c/test_simd.c -o build/simd/test_simd_aarch64 -lm
	qemu-aarch64 -L /usr/aarch64-linux-gnu build/simd/test_simd_aarch64
	$(PY) setup.py -q --name >/dev/null   # cythonizes into build/cython/
	@inc="-I$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["include"])') -I$$($(PY) -c 'import numpy; print(numpy.get_include())')"; \
	for f in build/cython/cython_src/w2v/*.c; do \
	    echo "$(AARCH64_CC) -fsyntax-only $$f"; \
	    $(AARCH64_CC) -fsyntax-only $(SIMD_CFLAGS) $$inc $$f || exit 1; \
	done
