"""The network over one flat parameter vector: layout, forward pass and backpropagation.

All weights and biases of a network live in one contiguous vector ``theta``, in
scikit-learn's packing order: every layer's weight matrix (row-major) first, then every
layer's bias. A :class:`Layout`, a small integer table, says where each piece is and which
activation each layer applies, so one compiled function serves networks of any depth and
any mix of activations, and ``coefs_``/``intercepts_`` are views.

Activations and errors of a batch live in flat workspaces too; layer ``i``'s block holds
``capacity × n_{i+1}`` values, of which a batch of ``m ≤ capacity`` rows uses the first
``m × n_{i+1}``. After the layers' outputs, the activation workspace holds the
pre-activations ``Z`` of the hidden layers whose activation's derivative needs them (gelu,
silu), one block per such layer (:func:`preactivation_offset`); without those it is exactly
the outputs' blocks. Products go to BLAS (:func:`nbnet.kernels._blas.gemm`) on contiguous
views, or to :func:`nbnet.kernels.small_products.small_product`, as a table says for each
product of a training step (:data:`FORWARD`); transposes are passed as flags, except where
:func:`error_product` copies ``Wᵀ``.
"""

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ._blas import gemm
from ._jit import jit, subroutine
from .small_products import fits_output, small_product
from .activations import ACTIVATIONS, bias_activation, derivative_and_bias_grad
from .activations import LEAKY_RELU as FIRST_OWN_ACTIVATION
from .activations import needs_preactivation
from .dropout import drop, layer_key, undo_drop
from .losses import HUBER as FIRST_OWN_OUTPUT
from .losses import OUTPUTS, output_activation, output_loss_and_delta


# δ·Wᵀ with W transposed by a flag is the one slow form of OpenBLAS's AVX-512 ("SkylakeX")
# kernels on small products (32×64·(64×64)ᵀ took 1.5 times as long as on a copy of Wᵀ, the
# copy included; 2-core AVX-512 AMD EPYC, 2026-12). Without a measured choice
# (nbnet.product_choice), error products copy Wᵀ for batches of at least this many rows and
# products of fewer than this many multiply-adds (float32 and float64 alike). Series in
# docs/dev/performance_kernels.rst.
TRANSPOSE_MIN_ROWS = 16
TRANSPOSE_MAX_PRODUCT = 1 << 19

# How each product of a training step is computed: a table ``products``, (3, n_layers)
# int64, whose row FORWARD is A_i·W_{i+1}, row WEIGHTS A_iᵀ·δ_{i+1} and row ERRORS
# δ_{i+1}·W_{i+1}ᵀ (i ≥ 1). BLAS: ?gemm (error products with W as a transpose flag); OWN:
# nbnet's small_product; error products may copy Wᵀ first and then multiply by either.
FORWARD, WEIGHTS, ERRORS = 0, 1, 2
BLAS, OWN, TRANSPOSED_BLAS, TRANSPOSED_OWN = 0, 1, 2, 3


# The rows of a Layout's table (see Layout).
SIZE, COEF_START, INTERCEPT_START, HIDDEN_ACTIVATION = range(4)


class Layout(NamedTuple):
    """Where each layer's parameters sit in the flat vector, and what each layer applies.

    table : (4, n_layers + 1) int64, one column per layer: row ``SIZE``, units per layer,
        inputs first; row ``COEF_START``, where the weight matrix ``W_{i+1}`` starts (column
        ``n_layers``: the number of weights); row ``INTERCEPT_START``, where the bias vector
        ``b_{i+1}`` starts (column ``n_layers``: the number of parameters); row
        ``HIDDEN_ACTIVATION``, the activation code of hidden layer ``i + 1``
        (:data:`nbnet.kernels.activations.ACTIVATIONS`; the last two columns unused). One
        array rather than four, because every kernel takes the layout: each array of a
        tuple is about a tenth of a second of a cold fit's compile (Zen 3, 2026-12).
        Python reads the rows by name (:attr:`sizes`, :attr:`coef_offsets`,
        :attr:`intercept_offsets`, :attr:`activations`); compiled code indexes the table.
    output : output code (:data:`nbnet.kernels.losses.OUTPUTS`).
    output_parameter : the output loss's parameter (Huber's δ, the quantile q), a float.
    extended : None when every activation and the output are scikit-learn's, True when one
        is nbnet's own. None is a type of its own to Numba: the kernels then leave nbnet's
        own branches out of the compiled code, so that a network without them compiles as
        before they existed, and one with them compiles a second specialisation (one per
        dtype, serving every mix and depth; see :mod:`nbnet.kernels.activations`).
    """

    table: np.ndarray
    output: int
    output_parameter: float = 0.0
    extended: bool | None = None

    @property
    def sizes(self) -> np.ndarray:
        """(n_layers + 1,) units per layer, inputs first."""
        return self.table[SIZE]

    @property
    def coef_offsets(self) -> np.ndarray:
        """(n_layers,) start of each weight matrix."""
        return self.table[COEF_START, :-1]

    @property
    def intercept_offsets(self) -> np.ndarray:
        """(n_layers,) start of each bias vector."""
        return self.table[INTERCEPT_START, :-1]

    @property
    def activations(self) -> np.ndarray:
        """(n_layers - 1,) activation code of each hidden layer."""
        return self.table[HIDDEN_ACTIVATION, :-2]


class Model(NamedTuple):
    """A network as the compiled entry points take it: flat parameters and their layout."""

    theta: np.ndarray
    layout: Layout


def read_only(array: np.ndarray) -> np.ndarray:
    """A read-only view of ``array`` (no copy), as the entry points take their input.

    The compiled core never writes its input, and Numba compiles a read-only array apart from
    a writable one: as views, writable input and read-only input (a memory map, as joblib gives
    a parallel search's workers; a pandas column under copy-on-write) share one signature.
    """
    view = array.view()
    view.flags.writeable = False
    return view


def read_only_input(X: np.ndarray, sparse: tuple | None) -> tuple:
    """``(X, sparse)``, the dense input and the CSR arrays (or None), as :func:`read_only`
    views."""
    return read_only(X), None if sparse is None else tuple(read_only(a) for a in sparse)


def make_layout(layer_units: Sequence[int], activation: str | Sequence[str],
                output: str) -> Layout:
    """Build the :class:`Layout` of a network.

    Parameters
    ----------
    layer_units : ``[n_in, *hidden, n_out]``, units per layer.
    activation : the hidden layers' activation, one name for all or one per hidden layer
        (keys of :data:`nbnet.kernels.activations.ACTIVATIONS`).
    output : the output activation (a key of :data:`nbnet.kernels.losses.OUTPUTS`).

    Returns
    -------
    layout : Layout

    Raises
    ------
    ValueError
        For an unknown name, or a list of names whose length is not the number of hidden layers.
    """
    table = np.zeros((4, len(layer_units)), dtype=np.int64)
    table[SIZE] = layer_units
    sizes = table[SIZE]
    table[COEF_START, 1:] = np.cumsum(sizes[:-1] * sizes[1:])
    table[INTERCEPT_START] = table[COEF_START, -1] + np.concatenate(([0], np.cumsum(sizes[1:])))
    return with_activations(Layout(table, 0), activation, output)


def with_activations(layout: Layout, activation: str | Sequence[str], output: str,
                     output_parameter: float = 0.0) -> Layout:
    """``layout`` with the hidden activations and the output (a key of
    :data:`nbnet.kernels.losses.OUTPUTS`, with its loss's parameter) given by name."""
    n_hidden = len(layout.sizes) - 2
    names = [activation] * n_hidden if isinstance(activation, str) else list(activation)
    if len(names) != n_hidden:
        raise ValueError(f"{len(names)} activations given for {n_hidden} hidden layers.")
    if any(name not in ACTIVATIONS for name in names) or output not in OUTPUTS:
        raise ValueError(f"Unknown activation: {names} (hidden), {output!r} (output).")
    codes = np.array([ACTIVATIONS[name].code for name in names], dtype=np.int64)
    code = OUTPUTS[output].code
    extended = True if (codes >= FIRST_OWN_ACTIVATION).any() or code >= FIRST_OWN_OUTPUT else None
    table = layout.table.copy()
    table[HIDDEN_ACTIVATION, :n_hidden] = codes
    return Layout(table, code, float(output_parameter), extended)


def n_parameters(layout: Layout) -> int:
    """Length of the flat parameter vector."""
    return int(layout.table[INTERCEPT_START, -1])


def n_coefficients(layout: Layout) -> int:
    """Number of weights (the penalised part, at the start of the flat vector)."""
    return int(layout.table[COEF_START, -1])


def unpack(theta: np.ndarray, layout: Layout) -> tuple[list, list]:
    """``coefs_``- and ``intercepts_``-style lists of views into ``theta``."""
    sizes = layout.sizes
    coefs, intercepts = [], []
    for i in range(len(sizes) - 1):
        start = layout.coef_offsets[i]
        coefs.append(theta[start : start + sizes[i] * sizes[i + 1]].reshape(sizes[i], sizes[i + 1]))
        start = layout.intercept_offsets[i]
        intercepts.append(theta[start : start + sizes[i + 1]])
    return coefs, intercepts


_KEEPS_PREACTIVATION = frozenset(a.code for a in ACTIVATIONS.values() if a.needs_preactivation)


def workspace_size(layout: Layout, capacity: int, preactivations: bool = True) -> int:
    """Length of a flat activation workspace for batches of ``capacity`` rows: every layer's
    outputs, then the pre-activations that backprop keeps (see the module docstring); with
    ``preactivations=False``, of an error workspace (the outputs' blocks only)."""
    units = layout.sizes[1:].sum()
    if preactivations:
        units += sum(int(n) for code, n in zip(layout.activations, layout.sizes[1:-1])
                     if code in _KEEPS_PREACTIVATION)
    return int(capacity * units)


def transposed_size(layout: Layout) -> int:
    """Length of the scratch vector in which :func:`error_product` transposes a weight matrix."""
    largest = int((layout.sizes[1:-1] * layout.sizes[2:]).max(initial=0))
    return min(largest, TRANSPOSE_MAX_PRODUCT // TRANSPOSE_MIN_ROWS)


def blas_products(layout: Layout) -> np.ndarray:
    """The table of products (see :data:`FORWARD`) that computes every product by BLAS."""
    table = np.empty((3, len(layout.sizes) - 1), dtype=np.int64)
    table.fill(BLAS)  # half the time of np.full: each predict makes one
    return table


def default_products(layout: Layout, rows: int) -> np.ndarray:
    """The table of products (see :data:`FORWARD`) for batches of ``rows`` rows without a
    measured choice: BLAS, error products of small batches on a copy of ``Wᵀ``
    (``TRANSPOSE_MIN_ROWS``, ``TRANSPOSE_MAX_PRODUCT``)."""
    sizes = layout.sizes
    table = blas_products(layout)
    for i in range(1, len(sizes) - 1):
        if rows >= TRANSPOSE_MIN_ROWS and rows * sizes[i] * sizes[i + 1] < TRANSPOSE_MAX_PRODUCT:
            table[ERRORS, i] = TRANSPOSED_BLAS
    return table


@subroutine
def coef_view(theta, layout, i):
    """Weight matrix ``W_{i+1}`` (``n_i × n_{i+1}``) as a view of ``theta``."""
    n_in, n_out = layout.table[SIZE, i], layout.table[SIZE, i + 1]
    start = layout.table[COEF_START, i]
    return theta[start : start + n_in * n_out].reshape(n_in, n_out)


@subroutine
def intercept_view(theta, layout, i):
    """Bias vector ``b_{i+1}`` as a view of ``theta``."""
    start = layout.table[INTERCEPT_START, i]
    return theta[start : start + layout.table[SIZE, i + 1]]


@subroutine
def layer_block(buffer, layout, capacity, i, m):
    """The ``m × n_{i+1}`` block of layer ``i``'s outputs in a flat workspace."""
    start = 0
    for j in range(1, i + 1):
        start += capacity * layout.table[SIZE, j]
    n = layout.table[SIZE, i + 1]
    return buffer[start : start + m * n].reshape(m, n)


@subroutine
def preactivation_offset(layout, capacity, i):
    """Where hidden layer ``i``'s pre-activation block (``capacity × n_{i+1}``, row-major)
    starts in a flat activation workspace: after every layer's outputs and the blocks of the
    layers below ``i`` that keep theirs. Only gelu and silu layers have a block
    (:func:`nbnet.kernels.activations.needs_preactivation`); for ``i`` = the number of hidden
    layers and ``capacity`` 1, the workspace's units per row."""
    start = 0
    for j in range(1, layout.table.shape[1]):
        start += capacity * layout.table[SIZE, j]
    for j in range(i):
        if needs_preactivation(layout.table[HIDDEN_ACTIVATION, j]):
            start += capacity * layout.table[SIZE, j + 1]
    return start


@subroutine
def _zero(out):
    for i in range(out.shape[0]):
        row = out[i]
        for j in range(row.shape[0]):
            row[j] = 0


@subroutine(reads=("source",))
def copy_rows(source, rows, out):
    """``out[r] = source[rows[r]]`` for every ``r`` (an explicit loop compiles fastest)."""
    n = out.shape[1]
    for r in range(rows.shape[0]):
        src = source[rows[r]]
        dst = out[r]
        for j in range(n):
            dst[j] = src[j]


@subroutine(reads=("A", "B"))
def product(A, B, out, products, form, i, trans_a=False):
    """``out = op(A) · B``, product ``form`` of layer ``i``: by BLAS, or by
    :func:`nbnet.kernels.small_products.small_product` where the table ``products`` says so
    and the output fits it (a table is chosen for whole batches; an epoch's last batch may
    have other rows). None: BLAS, and Numba leaves the other kernel out of the compiled code."""
    if products is not None:
        if products[form, i] == OWN and fits_output(out):
            small_product(A, B, out, trans_a)
            return
    gemm(A, B, out, trans_a, False)


@subroutine(reads=("A0", "W"))
def input_product(A0, sparse, rows, W, out, products=None):
    """``out = X[rows] · W`` for the first layer.

    Dense input arrives as the batch itself (``A0``, ``m × n_0``); sparse input as the CSR
    arrays ``sparse = (data, indices, indptr)`` of the whole ``X`` and the batch's ``rows``,
    so sparse rows are never densified. ``sparse`` is None for dense input, so that Numba
    prunes the sparse branch when it compiles for dense input.
    """
    if sparse is None:
        product(A0, W, out, products, FORWARD, 0)
        return
    data, indices, indptr = sparse
    _zero(out)
    for r in range(rows.shape[0]):
        row = rows[r]
        o = out[r]
        for p in range(indptr[row], indptr[row + 1]):
            w = W[indices[p]]
            v = data[p]
            for j in range(o.shape[0]):
                o[j] += v * w[j]


@subroutine(reads=("A0", "delta"))
def input_transpose_product(A0, sparse, rows, delta, out, products=None):
    """``out = X[rows]ᵀ · δ``: the first layer's weight gradient, dense or sparse (as above)."""
    if sparse is None:
        product(A0, delta, out, products, WEIGHTS, 0, True)
        return
    data, indices, indptr = sparse
    _zero(out)
    for r in range(rows.shape[0]):
        row = rows[r]
        d = delta[r]
        for p in range(indptr[row], indptr[row + 1]):
            o = out[indices[p]]
            v = data[p]
            for j in range(d.shape[0]):
                o[j] += v * d[j]


@subroutine
def _transpose(W, out):
    """``out = Wᵀ``, eight rows of ``W`` at a time, so that the writes fill whole cache lines
    (a plain column-by-column loop took 4–6.5 times as long from 128 × 128 on; 2-core
    AVX-512 AMD EPYC, 2026-12)."""
    n_in, n_out = W.shape
    full = n_in - n_in % 8
    for first in range(0, full, 8):
        for j in range(n_out):
            row = out[j]
            for i in range(8):
                row[first + i] = W[first + i, j]
    for j in range(n_out):
        for i in range(full, n_in):
            out[j, i] = W[i, j]


@subroutine(reads=("delta", "W"))
def error_product(delta, W, scratch, out, products=None, i=0):
    """``out = δ · Wᵀ``, the error reaching the layer below (before its activation's derivative).

    ``products[ERRORS, i]`` (:data:`BLAS`, :data:`TRANSPOSED_BLAS` or :data:`TRANSPOSED_OWN`)
    says how; the transposed ones copy ``Wᵀ`` into ``scratch`` (of :func:`transposed_size`)
    first. Without a table (None), BLAS with ``W`` as a transpose flag.
    """
    if products is not None:
        kernel = products[ERRORS, i]
        if kernel != BLAS:
            n_in, n_out = W.shape
            W_t = scratch[: n_in * n_out].reshape(n_out, n_in)
            _transpose(W, W_t)
            if kernel == TRANSPOSED_OWN and fits_output(out):
                small_product(delta, W_t, out)
            else:
                gemm(delta, W_t, out)
            return
    gemm(delta, W, out, False, True)


@subroutine(reads=("A0",))
def forward(theta, layout, A0, sparse, rows, activations, capacity, m, dropout=None, batch=0,
            products=None):
    """Forward pass of a batch of ``m`` rows up to the output layer's product.

    Hidden layers get bias and activation fused; the output layer's block is left as
    ``A_{L-1} W_L`` (no bias) for the output kernel to finish. With a ``dropout``
    (:class:`nbnet.kernels.dropout.Dropout`; None prunes it), each hidden layer's outputs are
    masked, with the masks of batch ``batch`` of the epoch; ``rows`` are the batch's data rows.
    ``products``: the table of how each product is computed (see :data:`FORWARD`), or None.
    """
    n_layers = layout.table.shape[1] - 1
    Z = layer_block(activations, layout, capacity, 0, m)
    input_product(A0, sparse, rows, coef_view(theta, layout, 0), Z, products)
    for i in range(1, n_layers):
        bias_activation(Z, intercept_view(theta, layout, i - 1),
                        layout.table[HIDDEN_ACTIVATION, i - 1], activations,
                        preactivation_offset(layout, capacity, i - 1), layout.extended)
        if dropout is not None:
            if dropout.thresholds[i - 1] > 0:
                mask = layer_block(dropout.masks, layout, capacity, i - 1, m)
                drop(Z, mask, rows, dropout.thresholds[i - 1], dropout.rates[i - 1],
                     layer_key(dropout, batch, i - 1))
        Z_next = layer_block(activations, layout, capacity, i, m)
        product(Z, coef_view(theta, layout, i), Z_next, products, FORWARD, i)
        Z = Z_next
    return Z


@subroutine
def backprop(theta, grad, layout, A0, sparse, rows, Y, sw, total_weight, activations, deltas,
             transposed, capacity, dropout=None, batch=0, products=None):
    """Loss and gradient of one batch; the batch is ``rows`` (``m`` of them) of the input.

    ``grad`` receives ``∂C/∂θ`` without the L2 term, in the layout of ``theta``; the
    returned loss is the batch's weighted mean loss without the penalty (see
    :func:`nbnet.kernels.losses.output_loss_and_delta`). The caller adds both terms of the penalty.
    ``transposed`` is the scratch vector of :func:`error_product`. ``dropout`` and ``batch``:
    see :func:`forward`; the errors of a masked layer are masked alike. ``products``: see
    :func:`forward`.
    """
    m = Y.shape[0]
    n_layers = layout.table.shape[1] - 1
    last = n_layers - 1
    Z = forward(theta, layout, A0, sparse, rows, activations, capacity, m, dropout, batch,
                products)
    delta = layer_block(deltas, layout, capacity, last, m)
    loss = output_loss_and_delta(
        Z, intercept_view(theta, layout, last), Y, sw, total_weight, layout.output,
        delta, intercept_view(grad, layout, last), layout.output_parameter, layout.extended,
    )
    for i in range(last, 0, -1):
        A_prev = layer_block(activations, layout, capacity, i - 1, m)
        product(A_prev, delta, coef_view(grad, layout, i), products, WEIGHTS, i, True)
        delta_prev = layer_block(deltas, layout, capacity, i - 1, m)
        error_product(delta, coef_view(theta, layout, i), transposed, delta_prev, products, i)
        if dropout is not None:
            if dropout.thresholds[i - 1] > 0:
                mask = layer_block(dropout.masks, layout, capacity, i - 1, m)
                undo_drop(A_prev, delta_prev, mask, dropout.rates[i - 1])
        derivative_and_bias_grad(A_prev, delta_prev, layout.table[HIDDEN_ACTIVATION, i - 1],
                                 intercept_view(grad, layout, i - 1), activations,
                                 preactivation_offset(layout, capacity, i - 1), layout.extended)
        delta = delta_prev
    input_transpose_product(A0, sparse, rows, delta, coef_view(grad, layout, 0), products)
    return loss


@jit
def predict(model, X, sparse, rows, out, activations, products):
    """Network outputs ``A_L`` of ``model`` for every row of the input, written into ``out``.

    ``model`` is a :class:`Model`, or the plain tuple ``(theta, tuple(layout))`` of one,
    which Numba's dispatcher types faster (in C, where a NamedTuple takes 2 µs of Python per
    call): :func:`predict_outputs` passes that.

    The input is ``X`` (dense, with ``sparse`` None), or the CSR arrays ``sparse`` with
    ``X`` an empty ``(0, n_features)`` array. ``rows`` is ``np.arange(n)``, made by the caller:
    Numba compiles its own ``np.arange`` (and the ``np.empty`` under it) once per process, 0.5 s
    of a cold first predict (Zen 3, 2026-12). ``activations`` is a flat workspace for
    ``chunk`` rows (:func:`workspace_size`); rows go through in chunks of that many, so that
    it stays small whatever the number of rows. ``products`` is a table of BLAS products
    (:func:`blas_products`), as the epochs' :func:`forward` takes one: with the same types
    (their input typed read-only), predict's forward pass is the epochs' compiled one.
    """
    theta, fields = model
    layout = Layout(*fields)
    n = out.shape[0]
    last = layout.table.shape[1] - 2
    width = preactivation_offset(layout, 1, last)  # units per row of the workspace
    chunk = activations.shape[0] // width
    for start in range(0, n, chunk):
        m = chunk if start + chunk <= n else n - start
        A0 = X[start : start + m] if sparse is None else X
        Z = forward(theta, layout, A0, sparse, rows[start : start + m], activations, chunk, m,
                    None, 0, products)
        output_activation(Z, intercept_view(theta, layout, last), layout.output)
        copy_rows(Z, rows[:m], out[start : start + m])


def predict_outputs(model: Model, X: np.ndarray, sparse: tuple | None, out: np.ndarray,
                    activations: np.ndarray) -> None:
    """:func:`predict` called with the argument types of the signatures that fits compile
    (and ``python -m nbnet compile`` makes): the model as a plain tuple, which Numba's
    dispatcher types in C, and the input as :func:`read_only` views, writable or not."""
    theta, layout = model
    X, sparse = read_only_input(X, sparse)
    predict((theta, tuple(layout)), X, sparse, np.arange(out.shape[0]), out, activations,
            blas_products(layout))
