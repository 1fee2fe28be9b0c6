"""Both CPU settings side by side (``python -m benchmarks --cpu both``).

Each setting's run (:mod:`benchmarks.cpu`) writes its report and a JSON summary
(:func:`benchmarks.report.summary`); :func:`write` sets the training workloads of the two
side by side: each library's epoch time, nbnet's GFLOP/s as a fraction of the GEMM peak of
its own setting (on one thread and on all), the speed-ups, and the bound on the speed-up
over scikit-learn that nbnet would reach at 100% of the peak of the threads it runs.
"""

import json
from pathlib import Path

from . import cpu, report

PAGE = "{scale}-settings.md"
DOCS_PAGE = "benchmark_settings.md"
_OTHERS = ("scikit-learn", "JAX", "PyTorch")


def _rows(summary: dict) -> list[list[str]]:
    kernels = "/".join(summary["openblas"])
    rows = []
    for row in summary["training"]:
        times = row["ms_per_epoch"]
        nbnet_ms = times["nbnet"]
        flops = 6.0 * row["n_train"] * row["n_params"]
        gflops = flops / nbnet_ms / 1e6
        one, every = summary["peaks_one_thread"][row["dtype"]], summary["peaks"][row["dtype"]]
        threads = row["nbnet_threads"]
        bound_ms = flops / ((one if threads == 1 else every) * 1e6)
        rows.append([
            row["key"], f"{summary['setting']} ({kernels})",
            *(report._num(times[name]) if name in times else "–" for name in ("nbnet", *_OTHERS)),
            report._num(gflops), f"{report._num(100 * gflops / one, 2)} / "
            f"{report._num(100 * gflops / every, 2)}", str(threads),
            *(f"{times[name] / nbnet_ms:.2f}×" if name in times else "–"
              for name in ("scikit-learn", "JAX")),
            f"{times['scikit-learn'] / bound_ms:.1f}×",
        ])
    return rows


def write(scale_name: str, out_dir, docs=None) -> str:
    """The comparison page of the two settings' summaries in ``out_dir``; also into the
    ``docs`` folder as :data:`DOCS_PAGE` when given. Returns the Markdown."""
    summaries = [json.loads((Path(out_dir) / f"{report.stem(scale_name, s)}.json").read_text())
                 for s in cpu.SETTINGS]
    header = ["ID", "setting (OpenBLAS kernels)", "nbnet ms/epoch",
              *(f"{name} ms/epoch" for name in _OTHERS), "nbnet GFLOP/s",
              "% of peak (1 thread / all)", "nbnet threads", "speed-up vs scikit-learn",
              "speed-up vs JAX", "bound vs scikit-learn at 100% of peak"]
    rows = sorted((row for summary in summaries for row in _rows(summary)),
                  key=lambda row: row[0])
    peaks = "; ".join(
        f"{s['setting']}: Numba for {s['numba']}, GEMM peak float64 "
        f"{report._num(s['peaks_one_thread']['float64'])} on one thread, "
        f"{report._num(s['peaks']['float64'])} on all (float32 "
        f"{report._num(s['peaks_one_thread']['float32'])} / {report._num(s['peaks']['float32'])})"
        for s in summaries)
    text = "\n".join([
        f"# nbnet in both CPU settings ({scale_name} scale)", "",
        f"- CPU: {summaries[0]['cpu']}",
        f"- {peaks} GFLOP/s",
        "- Each setting is a run of its own (its full report, `" + report.stem(scale_name, "native")
        + ".md` and `" + report.stem(scale_name, "avx2") + ".md`, in benchmarks/results/); times "
        "are medians of that run. % of peak: nbnet's GFLOP/s (6·n·P per epoch) over the GEMM peak of its "
        "own setting and dtype, on one thread and on all. The bound is scikit-learn's epoch "
        "time over the epoch's 6·n·P at the peak of the threads nbnet runs (one, or two where "
        "it splits batches): no nbnet could beat scikit-learn by more on that machine.", "",
        *report._table(header, rows), ""])
    out = Path(out_dir) / PAGE.format(scale=scale_name)
    report._write_text(out, text)
    if docs is not None:
        Path(docs).mkdir(parents=True, exist_ok=True)
        report._write_text(Path(docs) / DOCS_PAGE, text)
    return text
