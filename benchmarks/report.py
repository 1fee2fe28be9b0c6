"""The report: a Markdown page of tables and a scaling plot, stamped with the machine.

:func:`write` puts ``{scale}.md`` and ``{scale}-scaling.png`` into the results directory;
when asked, the same page and plot into the documentation (:data:`DOCS_PAGE`,
:data:`DOCS_PLOT`) and a short table of speed-ups (:func:`headline`) into the README
between :data:`BEGIN` and :data:`END`.
"""

import json
import math
import os
import platform
import shutil
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import numpy as np

from nbnet.kernels.epochs import splits_batches
from nbnet.kernels.network import make_layout

from . import cpu
from .gridsearch import WARM_UP_GRID
from .workloads import NBNET, SCALES, SKLEARN, find_library, training_workloads

BEGIN, END = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"
PLOT = "{scale}-scaling.png"
# In the documentation's folder of benchmark results (docs/dev/, included by benchmarks.md)
DOCS_PAGE, DOCS_PLOT = "benchmark_results.md", "benchmark_scaling.png"
# The README's headline rows: training workloads by key, as many as the run has
HEADLINE_KEYS = ("P1", "P2-f32", "P3", "P4", "P5", "P6")


# ----------------------------------------------------------------------------- numbers


def _num(x: float, digits: int = 3) -> str:
    """``x`` with about ``digits`` significant digits, thousands separated, no exponent."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:,.{decimals}f}"


def _range(stats, factor: float = 1.0) -> str:
    """Median (min–max) of :class:`benchmarks.measure.Stats`, times ``factor``."""
    return f"{_num(stats.median * factor)} ({_num(stats.low * factor)}–{_num(stats.high * factor)})"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def gflops(n_train: int, n_params: int, seconds: float) -> float:
    """GFLOP/s of an epoch: ``6 · n · P`` floating-point operations (docs/MATH.md) in ``seconds``."""
    return 6.0 * n_train * n_params / seconds / 1e9


def _bound_ms(result, peaks) -> float:
    """Milliseconds an epoch of a float64 P8 result would take at the GEMM peak."""
    return 6.0 * result.n_train * result.n_params / (peaks["float64"] * 1e9) * 1e3


# ----------------------------------------------------------------------------- the stamp


_POOL_OWNERS = {"numpy.libs": "numpy", "scipy.libs": "scipy",
                "scikit_learn.libs": "scikit-learn", "torch": "torch"}


def _thread_pools() -> str:
    import numba
    import scipy.linalg.cython_blas  # noqa: F401  (nbnet's default BLAS: makes its pool visible)
    from threadpoolctl import threadpool_info

    from nbnet.kernels._blas import LIBRARY

    pools = []
    for pool in threadpool_info():
        path = pool["filepath"]
        owner = next((label for needle, label in _POOL_OWNERS.items() if needle in path),
                     Path(path).name)
        if owner == LIBRARY:
            owner += " (nbnet's GEMMs)"
        kernel = f" ({pool['architecture']} kernels)" if pool.get("architecture") else ""
        pools.append(f"{owner} {pool['internal_api']}{kernel} {pool['num_threads']}")
    pools.append(f"numba {numba.config.NUMBA_NUM_THREADS}")
    return ", ".join(pools)


def _versions() -> str:
    import numba
    import scipy
    import sklearn

    import nbnet

    from . import jax_baseline, torch_baseline

    torch = torch_baseline.torch_module() if torch_baseline.available() else None
    parts = [f"Python {platform.python_version()}", f"nbnet {nbnet.__version__}",
             f"numpy {np.__version__}", f"scipy {scipy.__version__}",
             f"scikit-learn {sklearn.__version__}", f"numba {numba.__version__}",
             f"torch {torch.__version__}" if torch is not None else "torch not installed",
             f"jax {version('jax')}, optax {version('optax')}" if jax_baseline.available()
             else "jax not installed"]
    return ", ".join(parts)


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor() or platform.machine()
    return f"{model}, {os.cpu_count()} logical CPUs"


def _scale_note(scale) -> str:
    if scale.name == "full":
        return "Full scale: the workloads as stated."
    full = SCALES["full"]
    rows = ", ".join(f"{key} {n:,} rows (full: {full.rows[key]:,})"
                     for key, n in scale.rows.items())
    caps = [f"at most {cap} {what}" for cap, what in (
        (scale.epoch_cap, "epochs"), (scale.max_iter, "iterations to convergence"),
        (scale.real_rows, "rows of real data")) if cap is not None]
    memory = "all" if scale.memory_keys is None else ", ".join(scale.memory_keys)
    cold = ("every solver" if scale.cold_compile is None else
            ", ".join(scale.cold_compile) or "none")
    return (f"**{scale.name.capitalize()} scale**, smaller than the stated workloads: {rows}; "
            f"{'; '.join(caps) + '; ' if caps else ''}"
            f"P8 up to {max(scale.scaling_rows):,} rows and width {max(scale.scaling_widths)} "
            f"(full: {max(full.scaling_rows):,} and {max(full.scaling_widths)}); accuracy seeds "
            f"{_seeds(scale.accuracy_seeds)}, MNIST-1D {_seeds(scale.mnist1d_seeds)}; peak memory "
            f"of {memory}; cold compile of {cold}. `make bench` runs the full suite.")


def _seeds(seeds) -> str:
    return ", ".join(map(str, seeds))


def _fits_per_library(scale) -> str:
    """``'3 fits per library (P3 9, P4 15: short fits)'``."""
    more = ", ".join(f"{w.key} {w.repeats(scale)}" for w in training_workloads(scale)
                     if w.repeats(scale) != scale.repeats)
    return f"{scale.repeats} fits per library" + (f" ({more}: short fits)" if more else "")


def _pause(scale) -> str:
    if not scale.pause:
        return "with no pause between fits (their times are not compared at this scale)"
    return (f"with a pause of {scale.pause} s before each fit so that the other library's BLAS "
            "threads have stopped spinning")


def _header(results) -> list[str]:
    scale, peaks = results.scale, results.peaks
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"# nbnet benchmarks ({scale.name} scale)", "",
        _scale_note(scale), "",
        f"- date: {now}; the run took {results.seconds:.0f} s; 1-minute load average before it "
        f"{results.load_before:.2f} (other work on the machine, as the timings' noise)",
        f"- CPU: {_cpu()}",
        f"- CPU setting: {setting_name(results.setting)}; Numba compiles for "
        f"{cpu.numba_target()}",
        f"- threads: {_thread_pools()}",
        f"- versions: {_versions()}",
        f"- GEMM peak, measured in this run (numpy matmul of {scale.gemm_size}² matrices, best "
        f"of 3), with BLAS's threads (one thread): float32 {_num(peaks['float32'])} "
        f"({_num(results.peaks_one_thread['float32'])}), float64 {_num(peaks['float64'])} "
        f"({_num(results.peaks_one_thread['float64'])}) GFLOP/s",
        f"- timing: {_fits_per_library(scale)} with the same hyperparameters and "
        f"random_state=0, libraries alternating in one process, {_pause(scale)}; median "
        "(min–max). ms/epoch = fit "
        "time / n_iter_ (an L-BFGS iteration for P4); fixed-epoch workloads use tol=0 and "
        "n_iter_no_change > max_iter so exactly the stated epochs run. GFLOP/s = 6·n·P / epoch "
        "time (docs/MATH.md: n training rows, P parameters); % peak against the GEMM peaks of the "
        "workload's dtype, on one thread and on BLAS's threads. nbnet's timed fits follow a warm-up fit, so they exclude compiling.",
        "- compile (nbnet): a fresh process fits and scores a tiny model in float64, then in "
        "float32; each dtype's figure is its first fit-and-score minus a second one (float64's "
        "includes what both dtypes share); cold = empty NUMBA_CACHE_DIR, cached = the cache "
        "that run filled. Both dtypes of one solver, cold: "
        f"{_both_dtypes(results.compiles)}.",
        "- memory: peak resident size of a fresh process per workload and library during a "
        "2-epoch (2-iteration) fit, peak reset just before the fit; +Δ = growth over the fit.",
        "",
    ]


# ----------------------------------------------------------------------------- sections


def _speed_up(result, name: str) -> str:
    """scikit-learn's fit time over ``name``'s, or epoch time over epoch time where ``name``
    runs another number of epochs (:meth:`benchmarks.workloads.TrainingWorkload.per_epoch_only`)."""
    sklearn, run = result.runs[SKLEARN.name], result.runs[name]
    if result.workload.per_epoch_only(find_library(name)):
        return f"{sklearn.epoch.median / run.epoch.median:.2f}× per epoch"
    return f"{sklearn.fit.median / run.fit.median:.2f}×"


def _training(results) -> list[str]:
    header = ["ID", "workload", "library", "epochs", "fit s", "ms/epoch", "samples/s", "GFLOP/s",
              "% peak (1 thread / all)", "train loss", "test score", "peak MiB (+Δ fit)",
              "compile s cold / cached", "× vs scikit-learn"]
    rows = []
    for result in results.training:
        workload = result.workload
        dtype = np.dtype(workload.dtype).name
        for i, (name, run) in enumerate(result.runs.items()):
            flops = gflops(result.n_train, result.n_params, run.epoch.median)
            rows.append([
                workload.key, "" if i else workload.title, name, str(run.n_iter),
                _num(run.fit.median), _range(run.epoch, 1e3),
                _num(result.n_train / run.epoch.median), _num(flops),
                f"{_num(100 * flops / results.peaks_one_thread[dtype], 2)} / "
                f"{_num(100 * flops / results.peaks[dtype], 2)}", f"{run.loss:.4g}",
                f"{run.score:.4f}", _memory(run.memory), _compile(run.compile),
                _speed_up(result, name),
            ])
    if not rows:
        return []
    return ["## Training: P1–P6", "",
            "Test score: accuracy, or R² for P5. "
            "P3, P4 and P6 fit to convergence with scikit-learn's stopping rule; their "
            "× compares fit times.", "", *_table(header, rows), ""]


def _memory(memory) -> str:
    if memory is None:
        return "—"
    approx = "" if memory["exact"] else "≤ "
    return f"{memory['peak_mib']:,.0f} ({approx}+{memory['delta_mib']:,.0f})"


def _both_dtypes(compiles: dict) -> str:
    """``'adam 8.5 s (float64 4.5 + float32 4.0), ...'``: cold compiles of both dtypes."""
    parts = [f"{solver} {sum(s['cold'] for s in dtypes.values()):.1f} s ("
             + " + ".join(f"{dtype} {s['cold']:.1f}" for dtype, s in dtypes.items()) + ")"
             for solver, dtypes in compiles.items()
             if all(s["cold"] is not None for s in dtypes.values())]
    return ", ".join(parts) or "not measured in this run"


def _compile(seconds) -> str:
    if seconds is None:
        return "—"
    cold = "—" if seconds["cold"] is None else f"{seconds['cold']:.2f}"
    return f"{cold} / {seconds['cached']:.2f}"


def _latency(results) -> list[str]:
    latency = results.latency
    if latency is None:
        return []
    rows = []
    for name in latency.one_row:
        one, batch = latency.one_row[name], latency.batch[name]
        rows.append([name, _range(one, 1e6), _range(batch, 1e3),
                     _num(latency.rows / batch.median),
                     f"{latency.one_row[SKLEARN.name].median / one.median:.2f}× / "
                     f"{latency.batch[SKLEARN.name].median / batch.median:.2f}×"])
    header = ["library", "1 row: µs per call", f"{latency.rows:,} rows: ms", "rows/s",
              "× vs scikit-learn (1 row / batch)"]
    return ["## Predict latency: P7", "",
            f"`predict` of the fitted P2 float32 models (input validation included); one row: "
            f"{results.scale.latency_calls} calls per round.", "", *_table(header, rows), ""]


def _partial_fit(results) -> list[str]:
    if not results.partial_fit:
        return []
    rows = []
    for result in results.partial_fit:
        nbnet, sklearn = result.calls[NBNET.name], result.calls[SKLEARN.name]
        rows.append([result.workload.key, result.workload.title, _range(nbnet, 1e3),
                     _range(sklearn, 1e3), f"{sklearn.median / nbnet.median:.2f}×"])
    header = ["workload", "set-up", "nbnet ms per call", "scikit-learn ms per call",
              "× vs scikit-learn"]
    return ["## Incremental training: P10", "",
            f"`partial_fit` calls on a stream of batches (input validation included), "
            f"{results.scale.partial_fit_calls} timed calls per library and round after an "
            "untimed first one.", "", *_table(header, rows), ""]


def _scaling(results, image: str | None) -> list[str]:
    if not results.scaling:
        return []
    names = list(results.scaling[0][2].runs)
    header = ["axis", "rows", "hidden", "P", *(f"{n} ms/epoch" for n in names),
              "nbnet GFLOP/s", "nbnet × vs scikit-learn", "GEMM bound ms (float64)"]
    rows = []
    for axis, _, result in results.scaling:
        runs = result.runs
        nb = runs[NBNET.name].epoch.median
        hidden = result.workload.params["hidden_layer_sizes"]
        rows.append([axis, f"{result.n_train:,}", str(hidden), f"{result.n_params:,}",
                     *(_range(runs[n].epoch, 1e3) for n in names),
                     _num(gflops(result.n_train, result.n_params, nb)),
                     f"{runs[SKLEARN.name].epoch.median / nb:.2f}×",
                     _num(_bound_ms(result, results.peaks))])
    lines = ["## Scaling: P8", "",
             "One epoch of P1's set-up (20 features, 3 classes, batch 32, adam, float64): rows "
             "grow at hidden (64, 64), then width w of hidden (w, w) grows at "
             f"{results.scale.scaling_width_rows:,} rows. The GEMM bound is 6·n·P at the "
             "float64 peak.", "", *_table(header, rows), ""]
    if image:
        lines += [f"![ms per epoch as rows and width grow]({image})", ""]
    return lines


def _grid_search(results) -> list[str]:
    result = results.grid_search
    if result is None or not result.runs:
        return []
    names = (NBNET.name, SKLEARN.name)
    rows = [[run.path.name, *(_num(run.seconds[n]) for n in names),
             f"{run.seconds[SKLEARN.name] / run.seconds[NBNET.name]:.2f}×",
             " / ".join(_num(run.warm_up[n]) for n in names)] for run in result.runs]
    header = ["path", "nbnet s", "scikit-learn s", "× vs scikit-learn (same path)",
              "warm-up s, nbnet / scikit-learn"]
    best = {n: min(result.runs, key=lambda run: run.seconds[n]) for n in names}
    ratio = best[SKLEARN.name].seconds[SKLEARN.name] / best[NBNET.name].seconds[NBNET.name]
    first = result.runs[0]
    same_params = all(run.best[n] == first.best[n] for run in result.runs for n in names)
    same_scores = {n: all(np.array_equal(run.scores[n], first.scores[n]) for run in result.runs)
                   for n in names}
    gap = max(float(np.max(np.abs(run.scores[NBNET.name] - run.scores[SKLEARN.name])))
              for run in result.runs)
    warm_up_sizes = ", ".join(map(str, WARM_UP_GRID["mlp__hidden_layer_sizes"]))
    lines = ["## Grid search across cores: P9", "",
             f"GridSearchCV over {result.workload.title}, on each of joblib's parallel paths "
             "(`benchmarks/gridsearch.py`). Each path first runs an untimed warm-up search "
             f"(hidden_layer_sizes {warm_up_sizes}, one epoch) per library, which starts its "
             "workers and "
             "has them load nbnet's kernels from the shared disk cache (both the whole-batch and "
             "the split-batch epoch); then one timed search per library.", "",
             *_table(header, rows), "",
             f"- best paths: nbnet {best[NBNET.name].path.name}, "
             f"{_num(best[NBNET.name].seconds[NBNET.name])} s; scikit-learn "
             f"{best[SKLEARN.name].path.name}, {_num(best[SKLEARN.name].seconds[SKLEARN.name])} "
             f"s: **{ratio:.2f}×**",
             f"- best_params_: {first.best[NBNET.name]} (nbnet), {first.best[SKLEARN.name]} "
             "(scikit-learn): " + ("the same" if first.best[NBNET.name] ==
                                   first.best[SKLEARN.name] else "**they differ**")
             + ("" if same_params else "; **not the same on every path**"),
             "- mean_test_score identical on every path: " + ", ".join(
                 f"{n} {'yes' if same_scores[n] else '**no**'}" for n in names)
             + f"; largest |nbnet − scikit-learn| of a candidate: {gap:.3g}"]
    cache = result.worker_cache
    if cache is not None:
        lines.append(
            f"- a Dask worker's kernel cache: the warm-up search on a fresh LocalCluster took "
            f"{_num(cache.cold)} s with an empty NUMBA_CACHE_DIR ({cache.cold_compiled} kernel "
            f"signatures compiled in the workers), {_num(cache.warm)} s sharing the filled "
            f"cache ({cache.warm_compiled} compiled)")
    return lines + [""]


def _accuracy(results) -> list[str]:
    if not results.accuracy:
        return []
    rows = []
    for acc in results.accuracy:
        nb, sk = (np.array(acc.scores[name]) * 100 for name in (NBNET.name, SKLEARN.name))
        delta = nb - sk
        noise = max(2 * max(nb.std(), sk.std()), 100.0 / acc.n_test)
        params = ", ".join(f"{k}={v}" for k, v in acc.params.items())
        params = f"{params}; scikit-learn's defaults otherwise"
        if acc.nbnet_params:
            own = ", ".join(f"{k}={v!r}" for k, v in acc.nbnet_params.items())
            params = f"{params}; **nbnet: {own}** (these win over the above)"
        split = "the generator's split" if acc.name == "mnist1d" else "75/25 split by the seed"
        nb_s, sk_s = (np.median(acc.seconds[name]) for name in (NBNET.name, SKLEARN.name))
        rows.append([acc.name, f"{acc.n_train:,} / {acc.n_test:,}", params,
                     f"{_seeds(acc.seeds)} ({split})",
                     f"{nb.mean():.2f} ± {nb.std():.2f}", f"{sk.mean():.2f} ± {sk.std():.2f}",
                     f"{delta.mean():+.2f} ({np.abs(delta).max():.2f})",
                     "(nbnet's own options)" if acc.nbnet_params
                     else "yes" if abs(delta.mean()) <= noise else "**no**",
                     f"{_num(nb_s)} / {_num(sk_s)}"])
    header = ["data set", "train / test rows", "hyperparameters (both libraries)", "seeds",
              "nbnet accuracy %", "scikit-learn accuracy %",
              "Δ mean (largest of a seed, absolute)", "within noise",
              "s per fit, nbnet / scikit-learn (median)"]
    return ["## Accuracy on real data", "",
            "Test accuracy, mean ± standard deviation over the seeds (random_state of the model; "
            "for the bundled sets also of the split). Within noise: |Δ mean| ≤ the larger of "
            "twice the larger standard deviation and one test sample.", "",
            *_table(header, rows), ""]


def _profiles(results) -> list[str]:
    if not results.profiles:
        return []
    from .phases import PHASES

    rows = []
    for prof in results.profiles:
        best = prof.epoch.low
        cells = [f"{_num(prof.phases[p] * 1e3)} ({100 * prof.phases[p] / best:.0f}%)"
                 for p in PHASES]
        rows.append([prof.workload.key, *cells, _num(prof.total * 1e3), _range(prof.epoch, 1e3),
                     f"{prof.total / best:.2f}"])
    header = ["workload", *(f"{p} ms" for p in PHASES), "sum of phases ms",
              "real epoch ms: median (min–max)", "sum / best real epoch"]
    return ["## Where an epoch's time goes: P1, P2, P3 (nbnet)", "",
            "Each phase timed alone in a compiled loop over one epoch's batches, calling the "
            "trainer's own compiled pieces (see `benchmarks/phases.py`): ms per epoch, best of "
            f"{results.scale.profile_rounds} interleaved rounds (backward = backprop − forward), "
            "and % of the best real epoch of the compiled trainer. Phases and real epoch run "
            "whole batches on one thread; the fits of P2 and P3 above split their batches "
            "in halves over two threads (`nbnet/threads.py`), which this profile does not.", "",
            *_table(header, rows), ""]


def headline(results) -> str:
    """A short Markdown table of nbnet's speed-ups over scikit-learn, naming the CPU.

    One row per training workload of :data:`HEADLINE_KEYS` that the run has, one-row
    prediction (P7) and the grid search's best path against best path (P9).
    """
    import sklearn

    rows = []
    for result in results.training:
        if result.workload.key in HEADLINE_KEYS:
            nbnet, sk = result.runs[NBNET.name], result.runs[SKLEARN.name]
            rows.append([result.workload.key, result.workload.title,
                         f"{_num(nbnet.epoch.median * 1e3)} ms/epoch",
                         f"{_num(sk.epoch.median * 1e3)} ms/epoch",
                         f"**{sk.fit.median / nbnet.fit.median:.1f}×**"])
    if results.latency is not None:
        one = results.latency.one_row
        rows.append(["P7", "`predict` of one row, P2's float32 model",
                     f"{_num(one[NBNET.name].median * 1e6)} µs",
                     f"{_num(one[SKLEARN.name].median * 1e6)} µs",
                     f"**{one[SKLEARN.name].median / one[NBNET.name].median:.1f}×**"])
    search = results.grid_search
    if search is not None and search.runs:
        best = {n: min(run.seconds[n] for run in search.runs) for n in (NBNET.name, SKLEARN.name)}
        rows.append(["P9", "GridSearchCV over digits, 60 fits, each library's fastest "
                     "parallel path", f"{_num(best[NBNET.name])} s",
                     f"{_num(best[SKLEARN.name])} s",
                     f"**{best[SKLEARN.name] / best[NBNET.name]:.1f}×**"])
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    return "\n".join([
        f"Measured by `make bench` ({results.scale.name} scale) on {now}: {_cpu()}, "
        f"against scikit-learn {sklearn.__version__}; the same fits in both libraries "
        "(same hyperparameters and random_state), speed-up = scikit-learn's time / nbnet's.",
        "",
        *_table(["ID", "workload", "nbnet", "scikit-learn", "speed-up"], rows)])


def _compile_section(results) -> list[str]:
    compiled = results.compile
    if compiled is None:
        return []
    where = "an empty NUMBA_CACHE_DIR" if compiled.cold else "the current cache"
    rows = [[f"`python -m nbnet compile{flag}`", str(run.signatures),
             f"{run.compiled} / {run.loaded}", str(run.processes), _num(run.seconds)]
            for flag, run in (("", compiled.default), (" --all", compiled.every))
            if run is not None]
    fits = [[solver, *(_compile(dtypes[dtype]) for dtype in ("float64", "float32"))]
            for solver, dtypes in compiled.first_fits.items()]
    return ["## Compile", "",
            f"The command in a fresh process from {where}, interpreter start included "
            "(default: what default fits of each solver use, both dtypes; `--all`: every "
            "variant; `tests/test_main.py` caps the signatures of `--all`):", "",
            *_table(["command", "signatures", "compiled / loaded", "processes", "s"], rows), "",
            "A fresh process's first fit and prediction of a default `MLPClassifier` on digits, "
            "float64 and then float32, compiling included (s, cold / cached: empty "
            "NUMBA_CACHE_DIR / the cache the cold run filled):", "",
            *_table(["solver", "float64", "float32"], fits), ""]


def markdown(results, image: str | None) -> str:
    """The whole report as Markdown.

    Parameters
    ----------
    results : benchmarks.run.Results
    image : str or None
        Path of the scaling plot relative to where the Markdown goes; None: no plot.

    Returns
    -------
    text : str
    """
    lines = [*_header(results), *_training(results), *_latency(results),
             *_partial_fit(results), *_scaling(results, image), *_grid_search(results),
             *_accuracy(results), *_profiles(results), *_compile_section(results)]
    if results.notes:
        lines += ["## Notes", "", *(f"- {note}" for note in results.notes), ""]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- plot and files


def plot_scaling(results, path: Path) -> bool:
    """Plot P8 (ms per epoch against rows and against width, log-log) to ``path``.

    Returns False, writing nothing, where matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    titles = {"rows": "as rows grow, hidden (64, 64)",
              "width": f"as w of hidden (w, w) grows, {results.scale.scaling_width_rows:,} rows"}
    for ax, (axis, title) in zip(axes, titles.items()):
        points = [(value, result) for a, value, result in results.scaling if a == axis]
        values = [value for value, _ in points]
        for name in points[0][1].runs:
            ax.plot(values, [r.runs[name].epoch.median * 1e3 for _, r in points], "o-", label=name)
        ax.plot(values, [_bound_ms(r, results.peaks) for _, r in points], "k--",
                label="GEMM bound (6·n·P at the float64 peak)")
        ax.set(xscale="log", yscale="log", xlabel=axis, ylabel="ms per epoch", title=title)
        ax.set_xticks(values, [f"{v:,}" for v in values], minor=False)
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"nbnet benchmarks, P8 ({results.scale.name} scale), "
                 f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}; {_cpu()}\n"
                 f"threads: {_thread_pools()}\n{_versions()}", fontsize=8)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp")
    fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    os.replace(tmp, path)
    return True


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def update_readme(readme: Path, text: str) -> None:
    """Put ``text`` into the README between :data:`BEGIN` and :data:`END`.

    A README without the markers gets a ``## Benchmarks`` section with them appended.
    """
    block = f"{BEGIN}\n{text}\n{END}"
    old = readme.read_text(encoding="utf-8")
    if BEGIN in old and END in old:
        new = old[: old.index(BEGIN)] + block + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n## Benchmarks\n\n" + block + "\n"
    _write_text(readme, new)


def setting_name(setting: str | None) -> str:
    """How a report names a CPU setting (:mod:`benchmarks.cpu`)."""
    return {None: "the environment as given", "native": "native (this CPU's own kernels)",
            "avx2": "avx2 (an emulated AVX2 machine: Haswell kernels and code)"}[setting]


def stem(scale_name: str, setting: str | None) -> str:
    """The results' file name without suffix: ``full``, or ``full-avx2`` for the AVX2 setting."""
    return scale_name if setting in (None, "native") else f"{scale_name}-{setting}"


def docs_page(setting: str | None) -> str:
    """The documentation's page of a setting's report: :data:`DOCS_PAGE` for the native one."""
    return DOCS_PAGE if setting in (None, "native") else DOCS_PAGE.replace(".md", f"_{setting}.md")


def nbnet_threads(result) -> int:
    """Threads nbnet trained a workload on: BLAS's two for L-BFGS's full batches; for SGD and
    Adam two where it splits batches (:func:`nbnet.kernels.epochs.splits_batches`), else one."""
    if result.workload.params.get("solver") == "lbfgs":
        return 2
    coefs = result.runs[NBNET.name].model.coefs_
    layout = make_layout([coefs[0].shape[0], *(c.shape[1] for c in coefs)], "relu", "identity")
    return 2 if splits_batches(layout, result.workload.batch_rows(result.n_train)) else 1


def summary(results) -> dict:
    """What :mod:`benchmarks.settings` compares across settings, as JSON-ready values: the
    machine, the kernels, the peaks and each training workload's epoch time per library."""
    import scipy.linalg.cython_blas  # noqa: F401  (nbnet's default BLAS: makes its pool visible)
    from threadpoolctl import threadpool_info

    return {
        "setting": results.setting, "cpu": _cpu(), "numba": cpu.numba_target(),
        "openblas": sorted({p.get("architecture") or "?" for p in threadpool_info()
                            if p["internal_api"] == "openblas"}),
        "peaks": results.peaks, "peaks_one_thread": results.peaks_one_thread,
        "training": [{"key": r.workload.key, "title": r.workload.title,
                      "dtype": np.dtype(r.workload.dtype).name, "n_train": r.n_train,
                      "n_params": r.n_params, "nbnet_threads": nbnet_threads(r),
                      "ms_per_epoch": {name: run.epoch.median * 1e3 for name, run in r.runs.items()}}
                     for r in results.training],
    }


def write(results, out_dir, readme=None, docs=None) -> str:
    """Write the report, its plot and its :func:`summary` (JSON) to ``out_dir``; returns the
    Markdown. File names follow the run's scale and CPU setting (:func:`stem`).

    With ``docs`` (a folder), also the report (:func:`docs_page`) and, for the native setting,
    the plot as :data:`DOCS_PLOT` there; with ``readme``, the :func:`headline` table into the
    README.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = stem(results.scale.name, results.setting)
    plot = out / PLOT.format(scale=name)
    plotted = bool(results.scaling) and plot_scaling(results, plot)
    if results.scaling and not plotted:
        results.notes.append("Scaling plot skipped: matplotlib is not installed.")
    text = markdown(results, plot.name if plotted else None)
    _write_text(out / f"{name}.md", text)
    _write_text(out / f"{name}.json", json.dumps(summary(results), indent=1))
    if docs is not None:
        docs = Path(docs)
        docs.mkdir(parents=True, exist_ok=True)
        docs_plot = DOCS_PLOT if docs_page(results.setting) == DOCS_PAGE else plot.name
        if plotted:
            shutil.copyfile(plot, docs / docs_plot)
        _write_text(docs / docs_page(results.setting),
                    markdown(results, docs_plot if plotted else None))
    if readme is not None:
        update_readme(Path(readme), headline(results))
    return text
