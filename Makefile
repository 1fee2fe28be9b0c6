# The two commands of the README: `make demo` and `make test`. Both create .venv when it is
# missing and install nbnet into it (the demo with its dependencies alone, the tests with the
# test extra too); the demo compiles the few kernels it uses as it runs, the tests, docs and
# benchmarks compile every kernel first, in parallel. `make bench` runs the benchmarks,
# `make docs` builds the documentation.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# The tests need the `test` extra; this stamp and those below are removed whenever the one above
# is remade.
TEST_INSTALLED := $(VENV)/.installed-test-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# The benchmarks need the `bench` extra too.
BENCH_INSTALLED := $(VENV)/.installed-bench-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# The documentation needs the `docs` extra (Sphinx and its extensions), with the same rule.
DOCS_INSTALLED := $(VENV)/.installed-docs-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# Compiled kernels are cached inside the checkout (`make clean` removes them); nbnet itself
# keys them on a hash of its sources (nbnet/kernels/_cache.py), so an edit never loads stale code.
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache
# Generated data sets (MNIST-1D) go to the checkout's data home (datasets/README.md).
export NBNET_DATA_DIR ?= $(CURDIR)/datasets/cache

# Every kernel a fit can use, compiled once per install and per change to nbnet's sources
# (older versions' kernels are pruned) in one process per core, so that the tests' and the
# benchmarks' fits load them.
COMPILED := $(VENV)/.compiled
NBNET_SOURCES := $(shell find nbnet -name '*.py')

.PHONY: demo test test-oldest bench bench-quick clean docs

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	rm -f $(VENV)/.installed-*
	touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

$(BENCH_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	touch $@

$(DOCS_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test,docs]"
	touch $@

$(COMPILED): $(INSTALLED) $(NBNET_SOURCES)
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
OLDEST_INSTALLED := $(OLDEST_VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
OLDEST_TESTS := tests/test_import.py tests/test_compat.py tests/test_elementary.py \
	tests/test_activations.py tests/test_losses.py tests/test_updates.py tests/test_dropout.py \
	tests/test_atomics.py tests/test_blas.py tests/test_shuffling.py tests/test_network.py \
	tests/test_epochs.py tests/test_mlp_parity.py tests/test_onnx.py tests/test_dask.py \
	tests/test_persistence.py

$(OLDEST_INSTALLED): pyproject.toml .ci/oldest_constraints.py
	rm -rf $(OLDEST_VENV)
	$(PYTHON) -m venv $(OLDEST_VENV)
	$(PYTHON) .ci/oldest_constraints.py test > $(OLDEST_VENV)/constraints.txt
	$(OLDEST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-c $(OLDEST_VENV)/constraints.txt -e ".[test]"
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
