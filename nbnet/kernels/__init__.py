"""Everything compiled, and the only part of nbnet that imports numba.

Entry points (:mod:`.epochs`: ``whole_epochs`` and ``split_epochs`` behind
``stochastic_epochs``, ``loss_and_gradient``; :mod:`.network`:
``predict``) → network (layout, forward, backprop) → activations, losses, updates (each with
its table of codes) → elementary, _blas → _jit (the one place for Numba options). Imports only
go down. Importing this package compiles nothing.
"""
