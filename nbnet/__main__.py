"""``python -m nbnet compile``: fill the kernel cache ahead of the first fit (see
:mod:`nbnet.precompile` for what it compiles)."""

import argparse
import sys

from . import kernel_cache_stats
from .kernels._cache import prune
from .precompile import cases, compile_cases
from .threads import usable_cpus


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m nbnet",
                                     description="nbnet's command line: compile its kernels.")
    commands = parser.add_subparsers(dest="command", required=True)
    compile_ = commands.add_parser(
        "compile", help="fill the kernel cache ahead of the first fits",
        description="Compile (or load from the cache) the kernels that default fits and "
                    "predictions of sgd, adam and lbfgs use, in float64 and float32 on dense "
                    "input; with --all, every kernel a fit or prediction can use: sparse "
                    "input too, the epoch with and without dropout, with whole and split "
                    "batches, and networks with nbnet's own activations and losses.")
    compile_.add_argument("--all", action="store_true", dest="every",
                          help="compile every kernel a fit can use, not only the defaults'")
    compile_.add_argument("--jobs", "-j", type=int, default=usable_cpus(),
                          help="worker processes (default: one per usable core, "
                               f"{usable_cpus()} here)")
    compile_.add_argument("--prune", action="store_true",
                          help="also delete the cache folders of other versions of nbnet")
    arguments = parser.parse_args(argv)
    if arguments.prune:
        for path in prune():
            print(f"removed {path}")
    if kernel_cache_stats().folder is None:
        print("error: nowhere to write the compiled kernels: no writable cache folder "
              "(NUMBA_CACHE_DIR, nbnet's __pycache__, Numba's user cache folder); set "
              "NUMBA_CACHE_DIR to a writable folder", file=sys.stderr)
        return 1
    compile_cases(cases(arguments.every), arguments.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
