# The two commands of the README: `make demo` and `make test`. Both create .venv when it is
# missing and install nbnet into it; `make bench` runs the benchmark suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# Compiled kernels are cached inside the checkout, so runs never share a stale cache.
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache

.PHONY: demo test bench bench-quick clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(INSTALLED)
	$(PY) demo.py

test: $(INSTALLED)
	$(PY) -m pytest -q

clean:
	rm -rf $(VENV) .numba_cache .pytest_cache build *.egg-info
