# w2v developer entry points.  Everything installs into ./.venv, so a fresh
# machine needs only python3 (>= 3.9) with venv, and a C compiler.
#
#   make demo            train on the bundled King James Bible, show neighbours
#   make demo CORPUS=f   the same on any text file (.gz/.bz2/.xz too)
#   make test            build + install the package, run the test suite
#   make bench           speed/quality benchmark against word2vec.c and gensim
#   make clean

PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip --disable-pip-version-check
W2V     := $(VENV)/bin/w2v
THREADS ?= 2
CORPUS  ?=
DEMO    := build/demo
BENCH_ARGS ?=

SOURCES := setup.py pyproject.toml $(wildcard cython_src/w2v/*.pyx cython_src/w2v/*.pxd cython_src/w2v/*.h w2v/*.py w2v/data/*)

.PHONY: all install demo test bench clean native

all: install

$(VENV)/.deps: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q "setuptools>=64" wheel "Cython>=3.0" "numpy>=1.23" "click>=8.0" "pytest>=7"
	touch $@

$(VENV)/.installed: $(VENV)/.deps $(SOURCES)
	$(PIP) install -q --no-build-isolation --no-deps .
	touch $@

install: $(VENV)/.installed

# Opt-in build for this CPU only (-march=native); not portable to other machines.
native: $(VENV)/.deps
	W2V_NATIVE=1 $(PIP) install -q --no-build-isolation --no-deps --force-reinstall .
	touch $(VENV)/.installed

demo: install
	@mkdir -p $(DEMO)
	$(W2V) train -train "$${CORPUS:-$$($(PY) -c 'import w2v; print(w2v.demo_corpus())')}" \
	    -output $(DEMO)/vectors.bin -binary 1 -cbow 0 -size 100 -window 5 -negative 5 \
	    -sample 1e-3 -iter 5 -min-count 5 -threads $(THREADS)
	$(W2V) distance $(DEMO)/vectors.bin -n 10 $(if $(CORPUS),,god king jerusalem water)

# mpi4py and PyPI's MPICH (the [mpich] extra), so the MPI tests run (mpiexec -n 2)
$(VENV)/.mpi: $(VENV)/.deps
	$(PIP) install -q "mpi4py>=3.1" "mpich>=4.1"
	touch $@

test: install $(VENV)/.mpi
	$(VENV)/bin/pytest -q tests

$(VENV)/.bench: $(VENV)/.deps
	$(PIP) install -q gensim word2vec
	touch $@

# bench.py takes BENCH_ARGS (e.g. BENCH_ARGS=--quick); the phrases and vectors
# benchmarks run after it when present.
bench: install $(VENV)/.bench
	$(PY) scripts/bench.py $(BENCH_ARGS)
	@for s in scripts/bench_phrases.py scripts/bench_vectors.py; do \
	    if [ -f $$s ]; then echo "$(PY) $$s"; $(PY) $$s || exit 1; fi; \
	done

clean:
	rm -rf build dist *.egg-info $(VENV) cython_src/w2v/*.c
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
