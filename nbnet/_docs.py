"""Docstring pieces shared by MLPClassifier and MLPRegressor, written once.

The estimators compose their docstrings from these with ``str.format``; the parameter
meanings are scikit-learn's, and where nbnet differs on purpose the text says so.
"""

SHARED_PARAMETERS = """\
hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', 'elu', 'gelu', \
'silu', 'softplus'} or list of them, default='relu'
        Activation function of the hidden layers: 'identity' ``f(x) = x``, 'logistic'
        ``f(x) = 1 / (1 + exp(-x))``, 'tanh' ``f(x) = tanh(x)``, 'relu' ``f(x) = max(0, x)``.
        nbnet adds, as PyTorch defines them with its defaults: 'leaky_relu' ``x`` for
        ``x > 0``, else ``0.01 x``; 'elu' ``x`` for ``x > 0``, else ``exp(x) - 1``
        (α = 1); 'gelu' in its tanh form ``0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))``
        (PyTorch's ``approximate='tanh'``); 'silu' ``x / (1 + exp(-x))``; 'softplus'
        ``log(1 + exp(x))``. A list or tuple gives one activation per hidden layer, e.g.
        ``['gelu', 'relu']`` for ``hidden_layer_sizes=(64, 32)``. gelu and silu keep each
        layer's pre-activations for backpropagation: one more workspace block per such layer.

    solver : {'lbfgs', 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'}, default='adam'
        The solver for weight optimisation: scipy's L-BFGS-B on the full-batch loss,
        stochastic gradient descent, or Adam (Kingma and Ba). 'adam' suits thousands of
        samples or more; on small data sets 'lbfgs' often converges faster and better.
        nbnet adds, as PyTorch defines them: 'adamw' (Adam with decoupled
        ``weight_decay``), 'rmsprop' (``v ← ρv + (1−ρ)g²``, ``θ ← θ − η g/(√v + ε)``) and
        'adagrad' (``G ← G + g²``, ``θ ← θ − η g/(√G + ε)``), with ``ε = epsilon``.

    alpha : float, default=0.0001
        Strength of the L2 penalty. The penalty is divided by the (weighted) sample size
        when added to the loss.

    batch_size : int or 'auto', default='auto'
        Size of the mini-batches of the stochastic solvers; 'auto' means
        ``min(200, n_samples)``. Not used by 'lbfgs'.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine', 'step', \
'exponential'}, default='constant'
        Learning-rate schedule: 'constant' keeps ``learning_rate_init``; 'invscaling'
        ('sgd' only, as in scikit-learn: the other solvers keep a constant rate) uses
        ``learning_rate_init / pow(t, power_t)`` with ``t`` the number of samples seen;
        'adaptive' divides the rate by 5 each time ``n_iter_no_change`` consecutive epochs
        fail to improve the loss (or validation score) by ``tol``, and stops once the rate
        is 1e-6 or less, for every stochastic solver. With 'adam' this differs on purpose
        from scikit-learn, whose Adam ignores 'adaptive' (a stall stops its fit). nbnet adds schedules applied at every
        step ``t`` (updates made before it), for every stochastic solver: 'cosine'
        ``η_min + (η₀ − η_min)(1 + cos(π t/T))/2`` with ``T = max_iter`` × steps per epoch;
        'step' ``η₀ · γ^⌊epoch / lr_step_size⌋``; 'exponential'
        ``η₀ · γ^(t / steps per epoch)``, with ``γ = lr_gamma`` or, by default, derived
        from ``max_iter`` (see ``lr_gamma``). Adam's bias correction multiplies the
        scheduled rate.

    learning_rate_init : float, default=0.001
        Initial learning rate of the stochastic solvers.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule (solver='sgd').

    max_iter : int, default=200
        Maximum number of iterations: epochs for the stochastic solvers, L-BFGS iterations for
        'lbfgs'.

    shuffle : bool, default=True
        Whether to shuffle the samples at each epoch (stochastic solvers).

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the validation split of early stopping and the
        shuffling. nbnet draws these exactly as scikit-learn does, so the same seed gives
        scikit-learn's model to round-off.

    tol : float, default=1e-4
        Tolerance: training stops when the loss (or validation score) does not improve by
        at least ``tol`` for ``n_iter_no_change`` consecutive epochs; for 'lbfgs' it is
        the projected-gradient tolerance.

    verbose : bool, default=False
        Print ``Iteration N, loss = ...`` after each epoch. Unlike scikit-learn, 'lbfgs'
        prints the same lines for its iterations.

    warm_start : bool, default=False
        Reuse the weights of the previous call to ``fit`` as initialisation.

    momentum : float, default=0.9
        Momentum of 'sgd', in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified for single-output
        classification), stop when the validation score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and keep the weights of the best validation score.
        Only for the stochastic solvers.

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping, in [0, 1).

    beta_1 : float, default=0.9
        Decay rate of Adam's first-moment estimates, in [0, 1).

    beta_2 : float, default=0.999
        Decay rate of Adam's second-moment estimates, in [0, 1).

    epsilon : float, default=1e-8
        Numerical-stability constant of 'adam', 'adamw', 'rmsprop' and 'adagrad'.

    n_iter_no_change : int, default=10
        Number of epochs without an improvement of ``tol`` before stopping (stochastic solvers).

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.

    restore_best_weights : bool, default=False
        At the end of ``fit``, keep the weights of the best epoch instead of the last: the
        best validation score where there is a validation set (``early_stopping`` or
        ``validation_data``), else the lowest training loss. ``early_stopping`` always
        restores the best epoch, as in scikit-learn. Where no validation score is finite
        (R² of a single validation sample is undefined) there is no best epoch: the last
        weights are kept, with a ``ConvergenceWarning``. Not used by 'lbfgs' and
        ``partial_fit``. (nbnet only.)

    weight_decay : float, default=0.01
        Decoupled weight decay ``λ`` of 'adamw' (PyTorch's default): besides Adam's step,
        every step shrinks the weights (not the biases) by ``η_t · λ · θ``, with ``η_t``
        the scheduled rate. ``alpha`` keeps its meaning, the L2 term added to the
        gradient. Only for 'adamw'. (nbnet only.)

    rho : float, default=0.99
        Decay of the average of squared gradients of 'rmsprop' (PyTorch's ``alpha``), in
        [0, 1). (nbnet only.)

    min_learning_rate : float, default=0.0
        The rate the 'cosine' schedule ends at, and 'step' and 'exponential' with
        ``lr_gamma=None`` (where it is 0, those two end at ``learning_rate_init / 10``); at
        most ``learning_rate_init`` for these schedules (else ``InvalidParameterError``, as
        the rate would rise). (nbnet only.)

    lr_step_size : int, default=10
        Epochs between the 'step' schedule's decays. (nbnet only.)

    lr_gamma : float or None, default=None
        Factor of the 'step' schedule per ``lr_step_size`` epochs, and of the
        'exponential' schedule per epoch. None derives it when the fit starts, so that the
        rate falls from ``learning_rate_init`` to ``min_learning_rate`` (or, where that is
        0, to a tenth of ``learning_rate_init``) over ``max_iter`` epochs: 'exponential'
        ``γ = (η_end / η₀)^(1 / max_iter)``, reaching ``η_end`` at the end of the last
        epoch; 'step' ``γ = (η_end / η₀)^(1 / n)`` with ``n = ⌊(max_iter − 1) /
        lr_step_size⌋`` decays, the last epochs running at ``η_end`` (no decay where
        ``n = 0``). With the defaults (``max_iter=200``, ``lr_step_size=10``) that is
        ``γ ≈ 0.9886`` per epoch and ``γ ≈ 0.886`` per 10 epochs. After ``max_iter``
        epochs (``partial_fit``) the rate stays at ``η_end``, as 'cosine' stays at its floor. PyTorch's ``StepLR`` and
        ``ExponentialLR`` take ``gamma`` explicitly; a fixed default suits only one length
        of fit (0.1 per epoch stops training after a few epochs). (nbnet only.)

    warmup_epochs : int, default=0
        Epochs of linear warm-up before any schedule: over the first ``warmup_epochs`` ×
        steps per epoch steps, the rate rises linearly from 1/W of the schedule's to all
        of it. (nbnet only.)

    clip_grad_norm : float or None, default=None
        Clip each mini-batch's gradient (with the L2 term) to at most this Euclidean norm,
        as PyTorch's ``clip_grad_norm_`` over all parameters; None does not clip. Only for
        the stochastic solvers. (nbnet only.)

    init : {'glorot', 'he', 'lecun'}, default='glorot'
        Initial weights and biases, drawn uniformly in ``±bound`` from ``random_state``
        with scikit-learn's calls in scikit-learn's order: 'glorot' is scikit-learn's
        ``bound = √(c / (fan_in + fan_out))`` (``c = 2`` for a layer feeding a 'logistic'
        layer, 6 otherwise, including nbnet's activations; the output layer takes the last
        hidden layer's ``c``); 'he' ``√(6 / fan_in)`` (variance ``2 / fan_in``, for
        relu-like activations); 'lecun' ``√(3 / fan_in)`` (variance ``1 / fan_in``).
        (nbnet only.)

    dropout : float or list of float, default=0.0
        Inverted dropout on the hidden layers while training: each hidden unit's output is
        zeroed with this probability and otherwise scaled by ``1 / (1 − rate)``, with new
        masks at every step; the backward pass applies the same masks. One rate for every
        hidden layer or one per hidden layer, each in [0, 1); 0 everywhere trains exactly the
        model without dropout. ``predict``, ``score`` and the validation passes use no
        dropout, and ``loss_curve_`` reports the training loss under dropout. The masks are
        drawn by a counter-based generator from a seed that ``random_state`` gives once per
        fit (after scikit-learn's draws), so a fit is reproducible across runs and processes
        and fits in threads share no state. Only for the stochastic solvers: 'lbfgs' needs
        a deterministic objective and raises ``ValueError``. (nbnet only.)"""

CLASSIFIER_PARAMETERS = """

    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes, ``{class_label: weight}`` (classes left out weigh 1), or for
        multilabel targets a list of one dict per label keyed by 0 and 1; 'balanced' weighs
        each class by ``n_samples / (n_classes · count)``. They become sample weights as
        scikit-learn's ``compute_sample_weight`` gives them, multiplied with
        ``sample_weight``: a fit equals the fit given those sample weights, early stopping's
        held-out part included. ``validation_data`` is used as given (pass its weights as its
        third element). ``partial_fit`` refuses 'balanced', as SGDClassifier's does (a batch's
        class frequencies are not the data's); a dict applies to every batch. A weight that
        is not a finite number >= 0 raises ``InvalidParameterError``; a key that is not a
        class, or weights that leave every sample of ``y`` weight 0, ``ValueError``. (nbnet
        only.)"""

REGRESSOR_PARAMETERS = """

    huber_delta : float, default=1.0
        The δ of ``loss='huber'``: the residual beyond which the loss grows linearly. > 0.
        (nbnet only.)

    quantile : float, default=0.5
        The quantile that ``loss='quantile'`` estimates, in (0, 1); 0.5 is the median.
        (nbnet only.)"""

SHARED_ATTRIBUTES = """\
loss_ : float
        The loss at the end of fitting (for 'sgd'/'adam' the mean loss of the last epoch).

    best_loss_ : float or None
        The lowest epoch loss reached; None with early stopping (see
        ``best_validation_score_``). Only for the stochastic solvers.

    loss_curve_ : list of shape (``n_iter_``,)
        The loss of each epoch. Only for the stochastic solvers.

    validation_scores_ : list of shape (``n_iter_``,) or None
        {score} on the validation set (held out by early stopping, or ``validation_data``)
        after each epoch; None without a validation set. NaN for an epoch that diverged.

    validation_loss_curve_ : list of shape (``n_iter_``,) or None
        The loss on the validation set after each epoch (without the L2 penalty); None
        without a validation set. (nbnet only.)

    best_validation_score_ : float or None
        Best validation {score}; None without a validation set.

    t_ : int
        Number of training samples seen by the solver.

    coefs_ : list of ndarray of shape (n_layers - 1,)
        The ith element is the weight matrix of layer i. The arrays are views into one
        flat parameter vector; assigning new arrays to ``coefs_`` is also respected.

    intercepts_ : list of ndarray of shape (n_layers - 1,)
        The ith element is the bias vector of layer i + 1.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Names of the features seen during fit, when they are all strings.

    n_iter_ : int
        Number of iterations (epochs) the solver ran.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Name of the output activation."""

DIFFERENCES = """\
    nbnet trains the same model as scikit-learn's estimator of the same name, with the
    same parameters, defaults and fitted attributes; a whole epoch runs in one compiled
    call. It differs on purpose in these points:

    - float32 input is kept end to end: weights, training and outputs are float32
      (scikit-learn's 'lbfgs' trains float32 input in float64).
    - ``partial_fit`` raises ``AttributeError`` for solver='lbfgs' (scikit-learn's
      regressor silently runs a full fit).
    - A call that raises (bad input, divergence, an interrupt that Python raises) leaves the
      estimator exactly as it was: weights, optimizer state, curves and counters.
    - Training that diverges (non-finite loss or weights) with ``early_stopping=True`` stops
      as a convergence stop does, keeps the best epoch's weights, records a NaN validation
      score and warns (``ConvergenceWarning``); without a validation set it raises
      ``DivergenceError`` (a ``ValueError``), whose message begins with scikit-learn's and
      names the likely cause. scikit-learn may instead return NaN weights.
    - Ctrl-C during a fit in the main thread stops it at the next epoch (L-BFGS: iteration)
      boundary, with the warning "Training interrupted by user." and curves, ``n_iter_`` and
      ``loss_`` that agree; a second Ctrl-C raises at once. During the fit, nbnet's own
      SIGINT handler stands in for Python's default one.
    - A single class in ``y`` trains as in scikit-learn but warns (``SingleClassWarning``);
      ``predict`` returns that class and ``predict_proba`` one column of ones.
    - A float32 model given float64 values beyond float32's range raises ``ValueError``
      instead of computing with infinities.
    - Negative targets with ``loss='poisson'`` raise ``ValueError`` (scikit-learn ends with
      a NaN loss)."""
