"""nbnet.kernels._blas.gemm against NumPy's matmul: every transpose combination, alpha/beta, both dtypes;
and the choice of BLAS library."""

import glob
import os
import subprocess
import sys

import numpy as np
import pytest
from nbnet.kernels._numba_compat import TypingError

from nbnet.kernels._blas import gemm


@pytest.mark.parametrize("trans_a", [False, True])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("alpha, beta", [(1.0, 0.0), (-0.5, 2.0)])
@pytest.mark.parametrize("m, n, k", [(7, 5, 3), (1, 5, 3), (7, 1, 3), (1, 1, 3), (1, 5, 1),
                                     (1, 5, 0), (7, 1, 0), (9, 3, 6), (9, 2, 6), (9, 3, 0),
                                     (9, 4, 6)],
                         ids=["matrix", "one-row", "one-column", "one-by-one", "outer-row",
                              "empty-inner-row", "empty-inner-column", "three-columns",
                              "two-columns", "three-columns-empty-inner", "four-columns"])
def test_gemm_matches_numpy(dtype, trans_a, trans_b, alpha, beta, m, n, k):
    """One-row and one-column products take ?gemv; an empty inner dimension stays ?gemm."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(dtype)
    out = rng.standard_normal((m, n)).astype(dtype)
    expected = alpha * (a.T if trans_a else a) @ (b.T if trans_b else b) + beta * out
    gemm(a, b, out, trans_a, trans_b, alpha, beta)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, expected, rtol=1e-5 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("m, n", [(5, 5), (1, 5), (5, 1)], ids=["gemm", "gemv-row", "gemv-column"])
def test_gemm_beta_zero_ignores_nan_in_out(m, n):
    """BLAS does not read ``out`` when beta is 0: uninitialised workspaces are safe."""
    out = np.full((m, n), np.nan)
    gemm(np.ones((m, 3)), np.ones((3, n)), out, False, False, 1.0, 0.0)
    np.testing.assert_array_equal(out, np.full((m, n), 3.0))


def test_gemm_rejects_non_contiguous_views():
    a = np.ones((4, 4))
    with pytest.raises(TypingError, match="C-contiguous"):
        gemm(a[:, ::2], a[:2], np.empty((4, 4)), False, False, 1.0, 0.0)


_FIT_IN_A_FRESH_PROCESS = """
import sys
import numpy as np
from sklearn.datasets import load_digits
import nbnet
from nbnet.kernels import _blas
X, y = load_digits(return_X_y=True)
model = nbnet.MLPClassifier(hidden_layer_sizes=(20,), max_iter=5, random_state=0).fit(X[:300], y[:300])
np.save(sys.argv[1], np.concatenate([c.ravel() for c in model.coefs_]))
print(_blas.LIBRARY)
"""


def _fit_in_a_fresh_process(tmp_path, library):
    out = tmp_path / f"{library or 'default'}.npy"
    env = {**os.environ, "NBNET_BLAS": library}
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", _FIT_IN_A_FRESH_PROCESS, str(out)],
                          env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip(), np.load(out)


def test_scipy_blas_and_numpy_blas_train_the_same_model(tmp_path):
    """scipy's OpenBLAS by default; ``NBNET_BLAS=numpy`` takes NumPy's bundled one (where the
    wheel has it) through the widening adapters. Both train the same model (two OpenBLAS
    builds: round-off apart), with the same compiled kernels."""
    bundled = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs",
                                     "libscipy_openblas64_*"))
    library, coefs = _fit_in_a_fresh_process(tmp_path, "")
    assert library == "scipy"
    other, other_coefs = _fit_in_a_fresh_process(tmp_path, "numpy")
    assert other == ("numpy" if bundled else "scipy")
    np.testing.assert_allclose(other_coefs, coefs, rtol=1e-9, atol=1e-12)
