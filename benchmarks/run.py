"""The command line: ``python -m benchmarks [--quick | --tiny] [--only P1,P3] [--cpu SETTING]
[--out DIR]``.

``--only`` takes workload ids (``P2``: all its rows) and training rows' keys (``P2-f32``).

Runs the selected workloads, writes the Markdown report and the plot to ``--out``, prints
the report; with ``--docs`` also writes it and the plot into the documentation's folder, and
with ``--readme`` puts a short table of speed-ups into the README between its benchmark markers.
``--cpu native`` or ``--cpu avx2`` runs in that CPU setting (:mod:`benchmarks.cpu`);
``--cpu both`` runs the suite once in each and sets them side by side (:mod:`benchmarks.settings`).
"""

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import NamedTuple

import numpy as np

from . import cpu, gridsearch, phases, report, settings
from .measure import (CompileRun, Stats, alternate, compile_command,
                      compile_seconds, first_fits, gemm_peak, peak_memory, stats, timed,
                      timed_fit)
from .workloads import (NBNET, SCALES, SKLEARN, Library, PartialFitWorkload, Scale,
                        TrainingWorkload, accuracy_sets, libraries, partial_fit_workloads,
                        scaling_workloads, training_workloads, warm_up)

IDS = ("P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "ACC", "PROF", "COMPILE")
KEYS = tuple(workload.key.upper() for workload in training_workloads(SCALES["full"]))
PROFILED = ("P1", "P2-f32", "P2-f64", "P3")
LATENCY_MODEL = "P2-f32"  # P7 predicts with the fitted float32 P2 models
RESULTS = Path(__file__).resolve().parent / "results"


class LibraryRun(NamedTuple):
    """One library on one training workload."""

    library: str
    fit: Stats  # seconds per fit
    epoch: Stats  # seconds per epoch (fit / n_iter_)
    n_iter: int
    loss: float
    score: float
    model: object  # the last fitted model
    memory: dict | None = None
    compile: dict | None = None


class TrainingResult(NamedTuple):
    """All libraries on one training workload."""

    workload: TrainingWorkload
    n_train: int
    n_params: int
    runs: dict  # library name -> LibraryRun


class LatencyResult(NamedTuple):
    """P7: seconds per prediction of one row and of a batch, by library."""

    rows: int
    one_row: dict  # library name -> Stats
    batch: dict  # library name -> Stats


class PartialFitResult(NamedTuple):
    """P10: seconds per ``partial_fit`` call, by library."""

    workload: PartialFitWorkload
    calls: dict  # library name -> Stats


class AccuracyResult(NamedTuple):
    """Test accuracy of each library over the seeds of one data set."""

    name: str
    n_train: int
    n_test: int
    params: dict
    seeds: tuple
    scores: dict  # library name -> list of accuracies, by seed
    seconds: dict  # library name -> list of fit times, by seed
    nbnet_params: dict  # nbnet only (the tuned rows)


class CompileResult(NamedTuple):
    """What compiling costs: the ``compile`` command and first fits of default models."""

    cold: bool  # the command from an empty cache (else on the current one)
    default: CompileRun  # python -m nbnet compile
    every: CompileRun | None  # python -m nbnet compile --all (None where not run)
    first_fits: dict  # solver -> dtype -> cold/cached seconds of a first fit and prediction


@dataclass
class Results:
    """Everything one run measured, for :mod:`benchmarks.report`."""

    scale: Scale
    peaks: dict  # dtype name -> GEMM GFLOP/s, BLAS's threads
    peaks_one_thread: dict  # dtype name -> GEMM GFLOP/s on one thread
    setting: str | None = None  # the CPU setting (benchmarks.cpu); None: the environment as is
    training: list = field(default_factory=list)
    latency: LatencyResult | None = None
    partial_fit: list = field(default_factory=list)  # PartialFitResult
    scaling: list = field(default_factory=list)  # (axis, value, TrainingResult)
    grid_search: gridsearch.GridSearchResult | None = None
    accuracy: list = field(default_factory=list)
    profiles: list = field(default_factory=list)
    compiles: dict = field(default_factory=dict)  # solver -> dtype -> cold/cached seconds
    compile: CompileResult | None = None
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    load_before: float = 0.0  # 1-minute load average when the run started


def _log(start: float, message: str) -> None:
    print(f"[{perf_counter() - start:5.0f} s] {message}", file=sys.stderr, flush=True)


def _skipped(what: str, error: ImportError) -> str:
    return f"{what} skipped: {error} (install nbnet's `bench` extra)."


def time_training(workload: TrainingWorkload, libs: list[Library], repeats: int,
                  pause: float, split=None) -> TrainingResult:
    """Fit ``workload`` ``repeats`` times per library, libraries alternating; score the last fits.

    Parameters
    ----------
    workload : TrainingWorkload
    libs : list of Library
        Those that cannot run the workload are left out.
    repeats : int
    pause : float
        Seconds of sleep before each fit (:data:`benchmarks.measure.LIBRARY_PAUSE`, or none
        where times are not compared).
    split : Split, optional
        The workload's data, when already loaded.

    Returns
    -------
    result : TrainingResult
    """
    split = workload.load() if split is None else split
    libs = [library for library in libs if workload.runs_on(library)]
    for library in libs:
        warm_up(workload, library, split)

    def fit_once(library):
        model = workload.estimator(library)
        return timed_fit(model, split.X_train, split.y_train), model

    fits = alternate({lib.name: (lambda lib=lib: fit_once(lib)) for lib in libs}, repeats,
                     pause)
    runs = {}
    for name, results in fits.items():
        seconds = [s for s, _ in results]
        model = results[-1][1]
        runs[name] = LibraryRun(name, stats(seconds), stats([s / m.n_iter_ for s, m in results]),
                                model.n_iter_, float(model.loss_),
                                float(model.score(split.X_test, split.y_test)), model)
    reference = runs[NBNET.name].model
    n_params = sum(c.size for c in reference.coefs_) + sum(b.size for b in reference.intercepts_)
    return TrainingResult(workload, split.X_train.shape[0], n_params, runs)


def run_training(workload: TrainingWorkload, scale: Scale, libs: list[Library],
                 compiles: dict) -> TrainingResult:
    """:func:`time_training`, then peak memory per library and nbnet's compile time.

    ``compiles`` caches compile times by solver across workloads.
    """
    result = time_training(workload, libs, workload.repeats(scale), scale.pause)
    runs = dict(result.runs)
    if scale.memory_keys is None or workload.key in scale.memory_keys:
        for name in runs:
            runs[name] = runs[name]._replace(memory=peak_memory(workload.key, name, scale.name))
    solver = workload.params["solver"]
    if solver not in compiles:
        cold = scale.cold_compile is None or solver in scale.cold_compile
        compiles[solver] = compile_seconds(solver, cold=cold)
    runs[NBNET.name] = runs[NBNET.name]._replace(
        compile=compiles[solver][np.dtype(workload.dtype).name])
    return result._replace(runs=runs)


def run_latency(scale: Scale, libs: list[Library],
                fitted: TrainingResult | None) -> LatencyResult:
    """P7: predict one row and ``scale.latency_rows`` rows with fitted P2 (float32) models."""
    workload = next(w for w in training_workloads(scale) if w.key == LATENCY_MODEL)
    split = workload.load()
    if fitted is None:  # P2 was not run: fit its models once, untimed
        fitted = time_training(workload, libs, 1, scale.pause, split)
    models = {name: run.model for name, run in fitted.runs.items()}
    one = split.X_test[:1]
    batch = np.resize(split.X_test, (scale.latency_rows, split.X_test.shape[1]))

    def one_row_calls(model):
        return [timed(model.predict, one) for _ in range(scale.latency_calls)]

    singles = alternate({n: (lambda m=m: one_row_calls(m)) for n, m in models.items()},
                        scale.repeats, scale.pause)
    batches = alternate({n: (lambda m=m: timed(m.predict, batch)) for n, m in models.items()},
                        scale.repeats, scale.pause)
    return LatencyResult(scale.latency_rows,
                         {name: stats(np.concatenate(calls)) for name, calls in singles.items()},
                         {name: stats(seconds) for name, seconds in batches.items()})


def run_partial_fit(workload: PartialFitWorkload, scale: Scale) -> PartialFitResult:
    """P10: time each of ``scale.partial_fit_calls`` calls on a stream, libraries alternating.

    Only nbnet and scikit-learn: the PyTorch loop has no ``partial_fit``. Each round starts a
    fresh model with an untimed first call (which also compiles).
    """
    stream = workload.stream(scale.partial_fit_calls)
    classes = np.arange(workload.n_classes)

    def calls(library):
        model = library.classifier(hidden_layer_sizes=workload.hidden, random_state=0)
        model.partial_fit(*stream[0], classes=classes)
        return [timed(model.partial_fit, X, y) for X, y in stream[1:]]

    rounds = alternate({lib.name: (lambda lib=lib: calls(lib)) for lib in (NBNET, SKLEARN)},
                       scale.repeats, scale.pause)
    return PartialFitResult(workload, {name: stats(np.concatenate(seconds))
                                       for name, seconds in rounds.items()})


def run_accuracy(scale: Scale) -> tuple[list[AccuracyResult], list[str]]:
    """Test accuracy of nbnet and scikit-learn on real data over seeds, and notes of what was
    skipped (MNIST-1D without the ``mnist1d`` package)."""
    results, notes = [], []
    for acc in accuracy_sets(scale):
        scores = {NBNET.name: [], SKLEARN.name: []}
        seconds = {NBNET.name: [], SKLEARN.name: []}
        try:
            splits = [acc.load(seed) for seed in acc.seeds]
        except ImportError as error:
            notes.append(_skipped(f"Accuracy on {acc.name}", error))
            continue
        for seed, split in zip(acc.seeds, splits):
            for library in (NBNET, SKLEARN):
                params = {**acc.params, **(acc.nbnet_params if library is NBNET else {})}
                model = library.classifier(**params, random_state=seed)
                seconds[library.name].append(timed_fit(model, split.X_train, split.y_train))
                scores[library.name].append(float(model.score(split.X_test, split.y_test)))
        results.append(AccuracyResult(acc.name, len(splits[0].y_train), len(splits[0].y_test),
                                      acc.params, acc.seeds, scores, seconds, acc.nbnet_params))
    return results, notes


def run_compile(scale: Scale) -> CompileResult:
    """The ``compile`` command, default and ``--all``, and the first default fit and
    prediction on digits of each solver in a fresh process, cold where the scale says."""
    cold = scale.cold_compile is None
    fits = {solver: first_fits(solver, cold or solver in scale.cold_compile)
            for solver in scale.first_fit_solvers}
    every = compile_command(True, cold) if scale.compile_all else None
    return CompileResult(cold, compile_command(False, cold), every, fits)


def parse_args(argv=None) -> argparse.Namespace:
    """The command line's options; ``only`` becomes a list of upper-case workload ids and
    training rows' keys."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="nbnet's benchmark suite: nbnet against scikit-learn's MLP (and PyTorch "
                    "where installed). Prints the report and writes it, with a plot, to --out.")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", dest="scale", action="store_const", const="quick",
                      help="smaller workloads, for a quick look (a few minutes)")
    size.add_argument("--tiny", dest="scale", action="store_const", const="tiny",
                      help="tiny workloads: checks that the suite runs (seconds)")
    parser.set_defaults(scale="full")
    parser.add_argument("--only", default=",".join(IDS),
                        help=f"comma-separated workload ids (default: all of {','.join(IDS)}) "
                             "or training rows' keys (P2-f32)")
    parser.add_argument("--cpu", choices=(*cpu.SETTINGS, "both"), default=None,
                        help="CPU setting: native (this CPU's kernels), avx2 (an emulated AVX2 "
                             "machine) or both, side by side (default: the environment as is)")
    parser.add_argument("--out", default=str(RESULTS), help="directory of the results")
    parser.add_argument("--readme", default=None,
                        help="also put the table of speed-ups into this README, between its "
                             "benchmark markers")
    parser.add_argument("--docs", default=None,
                        help="also write the report and its plot into this folder of the "
                             "documentation (docs/dev)")
    args = parser.parse_args(argv)
    args.only = [part.strip().upper() for part in args.only.split(",") if part.strip()]
    unknown = set(args.only) - set(IDS) - set(KEYS)
    if unknown:
        parser.error(f"unknown workload ids {sorted(unknown)}; choose from {', '.join(IDS)} "
                     f"or a key of a training row ({', '.join(KEYS)}, case-insensitive)")
    return args


def run_settings(args: argparse.Namespace, argv: list[str]) -> None:
    """``--cpu both``: the suite in each setting, one process each (the README and the docs
    get the native run's report), then their comparison (:func:`benchmarks.settings.write`)."""
    for setting in cpu.SETTINGS:
        child = [*argv, "--cpu", setting]
        for option in ("--readme", "--docs"):
            if setting != "native" and option in child:
                at = child.index(option)
                del child[at : at + 2]
        subprocess.run([sys.executable, "-m", "benchmarks", *child],
                       env=cpu.environment(setting), check=True)
    print(settings.write(SCALES[args.scale].name, args.out, args.docs))


def main(argv=None) -> Results | None:
    """Run the suite as the command line asks; returns what it measured (None for
    ``--cpu both``, whose runs are processes of their own)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.cpu == "both":
        run_settings(args, [a for a in argv if a not in ("--cpu", "both")])
        return None
    if args.cpu is not None:
        cpu.enter(args.cpu, argv)
    scale = SCALES[args.scale]
    start, load_before = perf_counter(), os.getloadavg()[0]
    log = partial(_log, start)
    libs = libraries()
    dtypes = ("float32", "float64")
    peaks = {name: gemm_peak(name, scale.gemm_size) for name in dtypes}
    one_thread = {name: gemm_peak(name, scale.gemm_size, threads=1) for name in dtypes}
    results = Results(scale, peaks, one_thread, cpu.current(), load_before=load_before)
    log(f"{scale.name} scale, CPU setting {results.setting or 'as is'}; GEMM peak float32 "
        f"{peaks['float32']:.1f} ({one_thread['float32']:.1f} on one thread), float64 "
        f"{peaks['float64']:.1f} ({one_thread['float64']:.1f}) GFLOP/s; libraries: "
        f"{', '.join(lib.name for lib in libs)}")
    for workload in training_workloads(scale):
        if not {workload.id, workload.key.upper()} & set(args.only):
            continue
        log(f"{workload.key}: {workload.title}")
        try:
            results.training.append(run_training(workload, scale, libs, results.compiles))
        except ImportError as error:  # MNIST-1D without the mnist1d package
            results.notes.append(_skipped(workload.key, error))
    if "P7" in args.only:
        log("P7: predict latency")
        fitted = next((r for r in results.training if r.workload.key == LATENCY_MODEL), None)
        results.latency = run_latency(scale, libs, fitted)
    if "P8" in args.only:
        measured = {}  # a point on both axes (rows and width) is measured once
        for axis, value, workload in scaling_workloads(scale):
            if workload.key not in measured:
                log(f"P8: {workload.title}")
                measured[workload.key] = time_training(workload, libs, scale.repeats, scale.pause)
            results.scaling.append((axis, value, measured[workload.key]))
    if "P9" in args.only:
        cold_workers = scale.cold_compile is None or "adam" in scale.cold_compile
        results.grid_search = gridsearch.run(scale, cold_workers, log)
        results.notes += results.grid_search.notes
    if "P10" in args.only:
        for workload in partial_fit_workloads():
            log(f"{workload.key}: partial_fit, {workload.title}")
            results.partial_fit.append(run_partial_fit(workload, scale))
    if "ACC" in args.only:
        log("ACC: accuracy on real data")
        results.accuracy, notes = run_accuracy(scale)
        results.notes += notes
    if "PROF" in args.only:
        for workload in training_workloads(scale):
            if workload.key in PROFILED:
                log(f"PROF: {workload.key} by phase")
                results.profiles.append(phases.profile(workload, scale.profile_rounds))
    if "COMPILE" in args.only:
        log("COMPILE: the compile command and first fits")
        results.compile = run_compile(scale)
    results.seconds = perf_counter() - start
    text = report.write(results, args.out, args.readme, args.docs)
    log(f"report written to {args.out}" + "".join(f" and {path}" for path in (args.docs, args.readme)
                                                  if path))
    print(text)
    return results
