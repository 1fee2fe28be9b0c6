"""nbnet against an earlier version of itself: ``python -m benchmarks.ab BASE [--compile N]
[--solver adam] [--epochs N] [--only P1,P3,P2-f32] [--scale quick] [--cpu native|avx2]``.

The working tree's nbnet ("new") runs against nbnet as of the git revision ``BASE`` ("base",
checked out in a temporary worktree), each in processes of its own that run this tree's
benchmark code. On a shared machine a process often runs 10–20% slower or faster than its
twin, more than most changes are worth, so the comparison is made of pairs built for that
noise to cancel:

- ``--compile N``: N rounds of the first fit and prediction of a default model of
  ``--solver`` on digits, float64 then float32, from empty caches
  (:func:`benchmarks.child.first_fit`), both versions at once, each on a core of its own
  where two are free. The cores swap every round, and which version starts first every
  second round: started a moment apart, the first process was often the faster (a version
  against itself on a Zen 3, 2026-12: in four rounds of four, by 0.3–1.0 s of a 9 s fit).
- ``--epochs N``: N rounds of each workload's fastest epoch over a few fits
  (``benchmarks.child epochs``), one version after the other in alternating order, from
  warm caches that hold the same product choices (:mod:`nbnet.product_choice`): each
  version timing its own chose differently for some shapes, and P3 ran 10% slower on one
  side in four rounds of four, and as fast once the choices were shared (Zen 3, 2026-12).

Each line gives a round's figures; the summary the mean difference (compile) or the median
ratio new / base (epochs), with the CPU the machine reports.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from statistics import mean, median
from typing import NamedTuple

from . import cpu
from .measure import ROOT, child_output
from .report import _cpu

WORKLOADS = ("P1", "P3", "P2-f32")
DTYPES = ("float64", "float32")
REPEATS = 5  # fits per version, workload and round; the fastest counts


class Version(NamedTuple):
    """One side of the comparison: ``folder`` holds ``nbnet`` and ``benchmarks`` side by side,
    so that ``python -m benchmarks.child`` run there imports that version of nbnet."""

    name: str
    folder: Path


@contextmanager
def versions(base: str):
    """``(base, new)``: nbnet as of revision ``base`` beside this tree's benchmarks (links in
    a temporary folder), and this tree; the worktree is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="nbnet-ab-") as scratch:
        tree, shim = Path(scratch) / "tree", Path(scratch) / "base"
        git = ["git", "-C", str(ROOT), "worktree"]
        subprocess.run([*git, "add", "--detach", "--quiet", str(tree), base], check=True)
        try:
            shim.mkdir()
            (shim / "nbnet").symlink_to(tree / "nbnet")
            (shim / "benchmarks").symlink_to(ROOT / "benchmarks")
            yield Version("base", shim), Version("new", ROOT)
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], check=False)


def pairs(rounds: int) -> list[tuple[tuple[str, str], dict]]:
    """Per round, the order in which the versions start and the core (0 or 1) of each: the
    cores swap every round and the order every second round, so that every four rounds
    take each combination once."""
    plan = []
    for round_ in range(rounds):
        order = ("base", "new") if round_ % 4 < 2 else ("new", "base")
        plan.append((order, {"base": round_ % 2, "new": 1 - round_ % 2}))
    return plan


def _environment(cache: Path, setting: str | None) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    env.pop("PYTHONPATH", None)  # the version's folder decides which nbnet is imported
    return cpu.environment(setting, env) if setting else env


def start(version: Version, args: list[str], env: dict, core: int | None = None):
    """``python -m benchmarks.child ARGS`` of ``version``, pinned to ``core`` if given."""
    pin = None if core is None else (lambda: os.sched_setaffinity(0, {core}))
    return subprocess.Popen([sys.executable, "-m", "benchmarks.child", *args],
                            cwd=version.folder, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=pin)


def result(process) -> dict:
    """The JSON line that a started child printed last (see :func:`start`)."""
    out, err = process.communicate()
    return child_output(process.args[3:], process.returncode, out, err)


def compare_compile(sides: dict, rounds: int, setting: str | None, solver: str = "adam",
                    out=sys.stdout) -> dict:
    """Seconds of each round's cold first fits (see the module docstring) by version and
    dtype; prints each round and the mean difference new − base."""
    # the cores this process may use (Linux; elsewhere the pairs run one after the other)
    usable = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    seconds = {name: {dtype: [] for dtype in DTYPES} for name in sides}
    for round_, (order, cores) in enumerate(pairs(rounds), 1):
        with tempfile.TemporaryDirectory(prefix="nbnet-ab-cache-") as caches:
            done, running = {}, {}
            for name in order:
                env = _environment(Path(caches) / name, setting)
                if len(usable) >= 2:
                    running[name] = start(sides[name], ["first_fit", solver], env,
                                          usable[cores[name]])
                else:  # one core: one after the other
                    done[name] = result(start(sides[name], ["first_fit", solver], env))
            done.update({name: result(process) for name, process in running.items()})
        for name in sides:
            for dtype in DTYPES:
                seconds[name][dtype].append(done[name][dtype])
        print(f"compile round {round_} ({order[0]} first): " + "; ".join(
            f"{dtype} base {done['base'][dtype]:.2f} s, new {done['new'][dtype]:.2f} s"
            for dtype in DTYPES), file=out, flush=True)
    for dtype in DTYPES:
        differences = [n - b for b, n in zip(seconds["base"][dtype], seconds["new"][dtype])]
        print(f"compile {solver} {dtype}: new − base {mean(differences):+.2f} s on average "
              f"(rounds {', '.join(f'{d:+.2f}' for d in differences)})", file=out)
    return seconds


def _share_choices(source: str, target: str) -> None:
    """Copy the product choices of the kernel cache folder ``source`` into ``target`` (one
    folder where the versions' kernels are the same: they share the choices already)."""
    choices = Path(source) / "products.json"
    if choices.exists() and Path(source) != Path(target):
        shutil.copyfile(choices, Path(target) / "products.json")


def compare_epochs(sides: dict, rounds: int, keys, scale: str, setting: str | None,
                   out=sys.stdout) -> dict:
    """Each round's fastest seconds per epoch by version and workload (see the module
    docstring); prints each round and the median ratio new / base."""
    with tempfile.TemporaryDirectory(prefix="nbnet-ab-cache-") as root:
        # a folder inside root: the AVX2 setting appends to its name (benchmarks.cpu)
        env = _environment(Path(root) / "cache", setting)
        # a fit of each workload compiles what it needs and tells the cache folder; base's
        # times the product choices, new's leaves them untimed and gets base's
        off = dict(env, NBNET_PRODUCT_CHOICE="off")
        folders = {}
        for name in ("base", "new"):
            for key in keys:
                found = result(start(sides[name], ["epochs", key, scale, "1"],
                                     env if name == "base" else off))
                folders[name] = found["cache"]
        _share_choices(folders["base"], folders["new"])
        seconds = {name: {key: [] for key in keys} for name in sides}
        for round_, (order, _) in enumerate(pairs(rounds), 1):
            for key in keys:
                for name in order:
                    found = result(start(sides[name], ["epochs", key, scale, str(REPEATS)], env))
                    seconds[name][key].append(found["seconds"])
                print(f"epochs round {round_} {key} ({order[0]} first): base "
                      f"{seconds['base'][key][-1] * 1e3:.3f} ms, new "
                      f"{seconds['new'][key][-1] * 1e3:.3f} ms", file=out, flush=True)
    for key in keys:
        ratios = [n / b for b, n in zip(seconds["base"][key], seconds["new"][key])]
        print(f"epochs {key}: new / base {median(ratios):.3f} (median of "
              f"{', '.join(f'{r:.3f}' for r in ratios)})", file=out)
    return seconds


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ab", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="git revision to compare the working tree's nbnet with")
    parser.add_argument("--compile", type=int, default=0, metavar="ROUNDS",
                        help="rounds of cold first fits (default 0)")
    parser.add_argument("--solver", default="adam", choices=("adam", "sgd", "lbfgs"),
                        help="solver of the --compile fits (default adam)")
    parser.add_argument("--epochs", type=int, default=0, metavar="ROUNDS",
                        help="rounds of per-epoch timings (default 0)")
    parser.add_argument("--only", default=",".join(WORKLOADS),
                        help=f"workloads of --epochs (default {','.join(WORKLOADS)})")
    parser.add_argument("--scale", default="quick", choices=("full", "quick", "tiny"),
                        help="size of the --epochs workloads (default quick)")
    parser.add_argument("--cpu", choices=cpu.SETTINGS, default=None,
                        help="CPU setting of the children (default: the environment as is)")
    args = parser.parse_args(argv)
    if not args.compile and not args.epochs:
        parser.error("nothing to compare: give --compile and/or --epochs rounds")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    print(f"{_cpu()}; CPU setting {args.cpu or 'as is'}; base {args.base}", flush=True)
    with versions(args.base) as (base, new):
        sides = {"base": base, "new": new}
        if args.compile:
            compare_compile(sides, args.compile, args.cpu, args.solver)
        if args.epochs:
            compare_epochs(sides, args.epochs, args.only.split(","), args.scale, args.cpu)


if __name__ == "__main__":
    main()
