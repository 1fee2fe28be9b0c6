# The two commands of the README: `make demo` and `make test`. Both create .venv when it is
# missing and install nbnet into it; `make bench` runs the benchmark suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# The benchmarks need the `bench` extra too; its stamp is removed whenever the one above is remade.
BENCH_INSTALLED := $(VENV)/.installed-bench-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# Compiled kernels are cached inside the checkout, in a folder named by a hash of nbnet's
# sources: Numba's cache checks only the file that defines a function, so a kernel whose
# callee (in another file) changed would otherwise load stale code.
KERNELS_HASH := $(shell find nbnet -name '*.py' | sort | xargs cat | cksum | cut -d' ' -f1)
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache/$(KERNELS_HASH)

.PHONY: demo test bench bench-quick clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $@

$(BENCH_INSTALLED): $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	touch $@

demo: $(INSTALLED)
	$(PY) demo.py

test: $(INSTALLED)
	find .numba_cache -mindepth 1 -maxdepth 1 ! -name $(KERNELS_HASH) -exec rm -rf {} + 2>/dev/null || true
	$(PY) -m pytest -q

# The suite, or a short version of it (a few minutes); both print the table, write it and the
# plot to benchmarks/results/ and put it into README.md. Some machines set OPENBLAS_CORETYPE
# (with OPENBLAS_L2_SIZE) to pin OpenBLAS to older kernels for the sake of old OpenBLAS builds;
# the benchmarks run without them, so that both libraries' BLAS use the kernels of this CPU
# (the report names them). Tests and the demo keep the environment as it is.
BENCH_ENV := env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE

bench: $(BENCH_INSTALLED)
	$(BENCH_ENV) $(PY) -m benchmarks --readme README.md

bench-quick: $(BENCH_INSTALLED)
	$(BENCH_ENV) $(PY) -m benchmarks --quick --readme README.md

clean:
	rm -rf $(VENV) .numba_cache .pytest_cache build *.egg-info
