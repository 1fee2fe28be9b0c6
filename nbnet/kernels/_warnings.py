"""The warnings of the kernels' layer (exported by :mod:`nbnet`), and the switch that forces
the compatibility modules' fallbacks."""

import os


class CompatibilityWarning(UserWarning):
    """A dependency changed internals that nbnet uses; nbnet uses its public API instead.

    The fits give the same weights (to round-off); kernels only compile slower.
    """


class NoKernelCacheWarning(UserWarning):
    """No folder is writable for nbnet's compiled kernels: they compile in every process."""


def fallback_forced(dependency: str) -> bool:
    """Whether ``NBNET_COMPAT_FALLBACK`` (comma-separated: ``numba``, ``numpy``) has nbnet use
    only ``dependency``'s public API, as if its internals had changed (the tests set it)."""
    forced = os.environ.get("NBNET_COMPAT_FALLBACK", "").split(",")
    return dependency in {name.strip() for name in forced}
