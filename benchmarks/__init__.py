"""nbnet's benchmark suite: nbnet against scikit-learn's MLP (and PyTorch and JAX where installed).

``python -m benchmarks [--quick | --tiny] [--only P1,P3] [--cpu native|avx2|both]
[--out benchmarks/results]``;
``make bench`` and ``make bench-quick`` run it, write the report into the documentation
(``docs/dev/``) and put a short table of speed-ups into the README.

Modules: :mod:`~benchmarks.workloads` (what is run, sized by a scale),
:mod:`~benchmarks.measure` (timers, GEMM peak, subprocess probes),
:mod:`~benchmarks.child` (the subprocesses' entry point), :mod:`~benchmarks.phases`
(per-phase profile of an epoch), :mod:`~benchmarks.shapes` (per-product-shape profile of a
training step), :mod:`~benchmarks.fixed_epochs` with :mod:`~benchmarks.torch_baseline` and
:mod:`~benchmarks.jax_baseline` (the optional PyTorch loop and JAX epoch), :mod:`~benchmarks.cpu`
and :mod:`~benchmarks.settings` (the CPU settings, side by side), :mod:`~benchmarks.report`
(Markdown and plots) and :mod:`~benchmarks.run` (the CLI); :mod:`~benchmarks.ab` compares
nbnet with an earlier revision of itself (``python -m benchmarks.ab BASE``).
"""
