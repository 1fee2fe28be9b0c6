# The two commands of the README: `make demo` and `make test`. Both create .venv when it is
# missing and install nbnet into it (the demo with its dependencies alone, the tests with the
# test extra too); the demo compiles the few kernels it uses as it runs, the tests, docs and
# benchmarks compile every kernel first, in parallel. `make bench` runs the benchmarks,
# `make docs` builds the documentation.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Each install is marked by a stamp named after pyproject.toml's checksum, so that a change to
# it installs again: the plain one (the demo's), and one per set of extras, each of which
# includes the plain one.
HASH := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
INSTALLED := $(VENV)/.installed-$(HASH)
TEST_INSTALLED := $(VENV)/.installed-test-$(HASH)
# The benchmarks need the `bench` extra too.
BENCH_INSTALLED := $(VENV)/.installed-bench-$(HASH)
# The documentation needs the `docs` extra (Sphinx and its extensions).
DOCS_INSTALLED := $(VENV)/.installed-docs-$(HASH)
# pip installs without compiling every module to bytecode (half of an install's time, mostly
# for modules that nothing imports); Python compiles each module when it is first imported,
# which needs bytecode writing on.
unexport PYTHONDONTWRITEBYTECODE
PIP := -m pip install --quiet --disable-pip-version-check --no-compile
# Compiled kernels are cached inside the checkout (`make clean` removes them); nbnet itself
# keys them on a hash of its sources (nbnet/kernels/_cache.py), so an edit never loads stale code.
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache
# Generated data sets (MNIST-1D) go to the checkout's data home (datasets/README.md).
export NBNET_DATA_DIR ?= $(CURDIR)/datasets/cache

# Every kernel a fit can use, compiled once per install and per change to nbnet's sources
# (older versions' kernels are pruned) in one process per core, so that the tests' and the
# benchmarks' fits load them. It runs `python -m nbnet` from the checkout, so it needs nbnet's
# dependencies only: every goal that uses it names one of the installs first, and the goals'
# steps run in order (.NOTPARALLEL), never a compile beside a pip install.
COMPILED := $(VENV)/.compiled
NBNET_SOURCES := $(shell find nbnet -name '*.py')

.PHONY: demo test test-oldest bench bench-quick clean docs
.NOTPARALLEL:

$(PY):
	$(PYTHON) -m venv $(VENV)

comma := ,
# One pip install per stamp, with the extras given (none for the plain one); it also marks the
# plain install done and forgets the stamps of an older pyproject.toml.
define install
	$(PY) $(PIP) -e ".$(1)"
	find $(VENV) -maxdepth 1 -name '.installed-*' ! -name '*-$(HASH)' -delete
	touch $(sort $@ $(INSTALLED))
endef

$(INSTALLED): pyproject.toml | $(PY)
	$(call install,)

$(TEST_INSTALLED): pyproject.toml | $(PY)
	$(call install,[test])

$(BENCH_INSTALLED): pyproject.toml | $(PY)
	$(call install,[test$(comma)bench])

$(DOCS_INSTALLED): pyproject.toml | $(PY)
	$(call install,[test$(comma)docs])

$(COMPILED): pyproject.toml $(NBNET_SOURCES) | $(PY)
	$(PY) -m nbnet compile --all --prune
	touch $@

demo: $(INSTALLED)
	$(PY) demo.py

# Spread over the cores (pytest-xdist; idle workers take tests queued on busy ones), with the
# slowest tests listed at the end.
test: $(TEST_INSTALLED) $(COMPILED)
	$(PY) -m pytest -q -n auto --dist worksteal --durations=15

# A subset of the suite that runs every kernel, every solver and every extra (ONNX, Dask,
# skops), in a venv of the oldest versions pyproject.toml declares (.ci/oldest_constraints.py
# pins each lower bound), with a cache folder of its own (another Numba version).
OLDEST_VENV := .venv-oldest
OLDEST_INSTALLED := $(OLDEST_VENV)/.installed-$(HASH)
OLDEST_TESTS := tests/test_import.py tests/test_compat.py tests/test_elementary.py \
	tests/test_activations.py tests/test_losses.py tests/test_updates.py tests/test_dropout.py \
	tests/test_atomics.py tests/test_blas.py tests/test_shuffling.py tests/test_network.py \
	tests/test_epochs.py tests/test_mlp_parity.py tests/test_onnx.py tests/test_dask.py \
	tests/test_persistence.py

$(OLDEST_INSTALLED): pyproject.toml .ci/oldest_constraints.py
	rm -rf $(OLDEST_VENV)
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(PYTHON) .ci/oldest_constraints.py test > $(OLDEST_VENV)/constraints.txt
	$(OLDEST_VENV)/bin/python $(PIP) -c $(OLDEST_VENV)/constraints.txt -e ".[test]"
	touch $@

test-oldest: $(OLDEST_INSTALLED)
	NUMBA_CACHE_DIR=$(CURDIR)/.numba_cache_oldest $(OLDEST_VENV)/bin/python -m pytest -q \
		$(OLDEST_TESTS)

# The suite, or a short version of it (a few minutes), once in each CPU setting (benchmarks/cpu.py:
# this CPU's own kernels, then an emulated AVX2 machine); both print the reports, write them to
# benchmarks/results/, the native report, its plot and the two settings side by side to docs/dev/
# (the benchmarks page), and put a short table of speed-ups into README.md.
bench: $(BENCH_INSTALLED) $(COMPILED)
	$(PY) -m benchmarks --cpu both --readme README.md --docs docs/dev

bench-quick: $(BENCH_INSTALLED) $(COMPILED)
	$(PY) -m benchmarks --quick --cpu both --readme README.md --docs docs/dev

# The documentation, into docs/_build/html: the API pages generated from the docstrings and
# the examples gallery executed (its fits load the compiled kernels); any warning fails it.
docs: $(DOCS_INSTALLED) $(COMPILED)
	$(VENV)/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) $(OLDEST_VENV) .numba_cache .numba_cache_oldest datasets/cache .pytest_cache build *.egg-info
	rm -rf docs/_build docs/auto_examples docs/api/generated
