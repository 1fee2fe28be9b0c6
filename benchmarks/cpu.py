"""CPU settings the suite runs in: this CPU's own kernels, or an emulated AVX2 machine.

``native``: OpenBLAS picks the kernels of the CPU it runs on (``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE``, which some machines set to pin older kernels, are removed) and Numba
compiles for the host. ``avx2``: OpenBLAS's Haswell kernels, Numba's code for a Haswell CPU
with Haswell's own features (``NUMBA_CPU_FEATURES`` empty: with ``NUMBA_CPU_NAME`` alone
LLVM keeps the host's AVX-512) and a kernel cache of its own, and XLA's code limited to AVX2
— the CPU class of most laptops, on an AVX-512 machine. On an AVX2 machine the two differ
only by OpenBLAS's kernel choice.

A setting must hold before NumPy, OpenBLAS or Numba load, so :func:`enter` starts the
command again with the setting's environment; ``NBNET_BENCH_CPU`` tells the new process
which setting it runs in. This module imports nothing heavy.
"""

import os
import sys

SETTINGS = ("native", "avx2")
VARIABLE = "NBNET_BENCH_CPU"
_PINNING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def environment(setting: str, base: dict | None = None) -> dict:
    """``base`` (the process's environment by default) changed for ``setting``."""
    env = dict(os.environ if base is None else base)
    for name in (*_PINNING, "NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES"):
        env.pop(name, None)
    if setting == "avx2":
        cache = env.get("NUMBA_CACHE_DIR") or os.path.join(os.getcwd(), ".numba_cache")
        env.update(OPENBLAS_CORETYPE="Haswell", NUMBA_CPU_NAME="haswell", NUMBA_CPU_FEATURES="",
                   NUMBA_CACHE_DIR=cache.rstrip(os.sep) + "_avx2",
                   XLA_FLAGS=(env.get("XLA_FLAGS", "") + " --xla_cpu_max_isa=AVX2").strip())
    env[VARIABLE] = setting
    return env


def current() -> str | None:
    """The setting this process runs in; None where no ``--cpu`` was asked (the environment
    as it was given)."""
    return os.environ.get(VARIABLE) or None


def enter(setting: str, argv: list[str]) -> None:
    """Run ``python -m benchmarks argv`` in ``setting``: replaces this process unless it
    already runs in that setting."""
    if current() != setting:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, [sys.executable, "-m", "benchmarks", *argv],
                  environment(setting))


def numba_target() -> str:
    """The CPU Numba compiles for, and whether it was chosen by the environment."""
    import llvmlite.binding as llvm
    import numba

    name = numba.config.CPU_NAME or llvm.get_host_cpu_name()
    if numba.config.CPU_FEATURES is not None:
        features = numba.config.CPU_FEATURES or f"{name}'s own"
        return f"{name} (features: {features})"
    return f"{name} (host)"
