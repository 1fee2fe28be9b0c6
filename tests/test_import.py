"""``import nbnet`` compiles nothing and leaves global state alone (checked in a fresh process).

The dependencies are imported first: scipy adds warning filters of its own on import.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbnet

_PROBE = """
import json, warnings
import numba, scipy.linalg.cython_blas, scipy.optimize, scipy.sparse
import sklearn.metrics, sklearn.model_selection, sklearn.neural_network, sklearn.preprocessing
filters_before = list(warnings.filters)
layer_before = numba.config.THREADING_LAYER
threads_before = numba.get_num_threads()

import nbnet
from nbnet.kernels import _blas, activations, epochs, losses, network, updates
from nbnet.kernels._numba_compat import Subroutine

dispatcher = type(numba.njit(lambda: None))
compiled = [f"{module.__name__}.{name}" for module in
            (_blas, activations, epochs, losses, network, updates)
            for name, value in vars(module).items()
            if isinstance(value, (dispatcher, Subroutine)) and value.signatures]
print(json.dumps({
    "compiled": compiled,
    "filters_unchanged": list(warnings.filters) == filters_before,
    "threading_layer_unchanged": numba.config.THREADING_LAYER == layer_before,
    "threads_unchanged": numba.get_num_threads() == threads_before,
}))
"""


def test_import_compiles_nothing_and_changes_no_global_state():
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"compiled": [], "filters_unchanged": True,
                     "threading_layer_unchanged": True, "threads_unchanged": True}


def test_only_the_kernels_import_numba():
    """``nbnet.kernels`` is the one place for compiled code: no other module of nbnet imports
    numba (or llvmlite)."""
    root = Path(nbnet.__file__).parent
    outside = [p for p in root.rglob("*.py") if root / "kernels" not in p.parents]
    offenders = [p.name for p in outside
                 if re.search(r"^\s*(import|from)\s+(numba|llvmlite)\b", p.read_text(), re.M)]
    assert outside and offenders == []


def test_only_the_compatibility_modules_use_internals():
    """Numba's internals (``numba.core``, ``numba.misc``) are imported only by
    ``nbnet.kernels._numba_compat``, and NumPy's private ``RandomState._bit_generator`` is
    read only by ``nbnet.kernels._numpy_compat`` (both probe them and fall back)."""
    root = Path(nbnet.__file__).parent
    sources = {p.name: p.read_text() for p in root.rglob("*.py")}
    numba_internals = [name for name, text in sources.items()
                       if re.search(r"^\s*(import|from)\s+numba\.(core|misc)\b", text, re.M)]
    numpy_internals = [name for name, text in sources.items() if "._bit_generator" in text]
    assert numba_internals == ["_numba_compat.py"]
    assert numpy_internals == ["_numpy_compat.py"]
