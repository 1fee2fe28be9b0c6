"""The benchmark suite runs end to end at its tiny scale, so that it cannot rot.

No timing is asserted: only that every workload runs and lands in the report.
"""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is a directory of the checkout, not installed
    sys.path.insert(0, str(ROOT))

from benchmarks import cpu, report, run, settings  # noqa: E402


@pytest.mark.slow
def test_every_workload_runs_at_tiny_scale_and_reaches_the_report(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# project\n")
    docs = tmp_path / "docs"
    results = run.main(["--tiny", "--out", str(tmp_path / "results"), "--readme", str(readme),
                        "--docs", str(docs)])

    text = (tmp_path / "results" / "tiny.md").read_text()
    assert capsys.readouterr().out.strip() == text.strip()
    training = {result.workload.key for result in results.training}
    skipped = " ".join(results.notes)
    for key in ("P1", "P2-f32", "P2-f64", "P2-adamw", "P2-rmsprop", "P2-adagrad", "P3", "P4",
                "P5", "P6"):
        assert key in training or key in skipped, key
        assert f"| {key} |" in text or f"{key} skipped" in text, key
    for heading in ("Predict latency: P7", "Incremental training: P10", "Scaling: P8",
                    "Grid search across cores: P9", "Accuracy on real data",
                    "Where an epoch's time goes", "## Compile"):
        assert heading in text, heading
    for result in results.training:
        assert set(result.runs) >= {"nbnet", "scikit-learn"}
        assert all(run_.epoch.median > 0 for run_ in result.runs.values())
    assert results.training[0].runs["nbnet"].memory["peak_mib"] > 0
    assert results.training[0].runs["nbnet"].compile["cached"] is not None
    assert results.compile.default.signatures > 0 and results.compile.first_fits["adam"]
    paths = {run_.path.backend for run_ in results.grid_search.runs}
    assert paths >= {"loky", "threading"} and ("dask" in paths or "P9 on Dask skipped" in skipped)
    summary = json.loads((tmp_path / "results" / "tiny.json").read_text())
    assert {row["key"] for row in summary["training"]} == training
    assert summary["peaks_one_thread"]["float64"] > 0 and summary["openblas"]
    # whole batches of P1 on one thread; P3's 200-row batches split in two; L-BFGS on BLAS's two
    threads = {row["key"]: row["nbnet_threads"] for row in summary["training"]}
    assert (threads["P1"], threads["P3"], threads["P4"]) == (1, 2, 2)
    page = (docs / report.DOCS_PAGE).read_text()
    assert page.startswith("# nbnet benchmarks (tiny scale)") and "| P1 |" in page
    if "matplotlib" in sys.modules:
        assert (tmp_path / "results" / "tiny-scaling.png").stat().st_size > 0
        assert (docs / report.DOCS_PLOT).stat().st_size > 0
        assert f"]({report.DOCS_PLOT})" in page

    readme_text = readme.read_text()
    assert readme_text.startswith("# project\n")
    assert report.BEGIN in readme_text and report.END in readme_text
    headline = readme_text[readme_text.index(report.BEGIN):]
    assert report._cpu() in headline
    assert "| ID | workload | nbnet | scikit-learn | speed-up |" in headline
    for key in ("P1", "P3", "P7", "P9"):
        assert f"| {key} |" in headline, key
    assert "## Training" not in readme_text  # the full report goes to the docs only


def test_readme_block_is_replaced_not_appended_twice(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# project\n\ntext after\n")
    report.update_readme(readme, "first table")
    report.update_readme(readme, "second table")
    text = readme.read_text()
    assert text.count(report.BEGIN) == 1 and "second table" in text and "first" not in text
    assert text.startswith("# project\n\ntext after\n")


def test_only_rejects_unknown_workload_ids():
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "P1,P99"])


def test_only_takes_training_rows_keys():
    assert run.parse_args(["--only", "P1,P2-f32,p2-rmsprop"]).only == ["P1", "P2-F32",
                                                                       "P2-RMSPROP"]
    with pytest.raises(SystemExit):
        run.parse_args(["--only", "P2-f16"])


def test_shape_profile_lists_every_product_of_a_step():
    from benchmarks import shapes

    products = shapes.step_products([20, 64, 64, 3], 32)
    assert [(p.form, p.m, p.n, p.k) for p in products] == [
        ("NN", 32, 64, 20), ("NN", 32, 64, 64), ("NN", 32, 3, 64),
        ("TN", 64, 3, 32), ("NN", 32, 64, 3), ("TN", 64, 64, 32), ("NN", 32, 64, 64),
        ("TN", 20, 64, 32)]
    assert shapes.step_products([4, 5, 2], 8)[-2].form == "NT"  # below 16 rows: no copy of Wᵀ
    lines = shapes.table("P1", calls=1, rounds=1)
    assert len(lines) == 4 + len(products) + 1 and lines[-1].startswith("| all products |")


def test_cpu_settings_set_the_environment_before_anything_loads():
    base = {"OPENBLAS_CORETYPE": "Zen", "OPENBLAS_L2_SIZE": "512", "NUMBA_CPU_NAME": "x",
            "NUMBA_CACHE_DIR": "/cache", "PATH": "/bin"}
    native = cpu.environment("native", base)
    assert native == {"NUMBA_CACHE_DIR": "/cache", "PATH": "/bin", cpu.VARIABLE: "native"}
    avx2 = cpu.environment("avx2", base)
    assert (avx2["OPENBLAS_CORETYPE"], avx2["NUMBA_CPU_NAME"], avx2["NUMBA_CPU_FEATURES"]) == (
        "Haswell", "haswell", "")
    assert avx2["NUMBA_CACHE_DIR"] == "/cache_avx2" and "OPENBLAS_L2_SIZE" not in avx2
    assert "--xla_cpu_max_isa=AVX2" in avx2["XLA_FLAGS"] and base["NUMBA_CPU_NAME"] == "x"
    assert run.parse_args(["--cpu", "both"]).cpu == "both"
    with pytest.raises(SystemExit):
        run.parse_args(["--cpu", "avx512"])


def _summary(setting, nbnet_ms, peak_one, peak_all):
    row = {"key": "P1", "title": "t", "dtype": "float64", "n_train": 1000, "n_params": 1000,
           "nbnet_threads": 1, "ms_per_epoch": {"nbnet": nbnet_ms, "scikit-learn": 10.0,
                                              "JAX": 3.0}}
    big = dict(row, key="P3", nbnet_threads=2, n_train=2000, n_params=10_000,
               ms_per_epoch={"nbnet": 2.0, "scikit-learn": 20.0})
    return {"setting": setting, "cpu": "test CPU", "numba": "haswell (host)",
            "openblas": ["Haswell"], "peaks": {"float64": peak_all, "float32": 2 * peak_all},
            "peaks_one_thread": {"float64": peak_one, "float32": 2 * peak_one},
            "training": [row, big]}


def test_settings_page_sets_each_workload_against_its_own_settings_peak(tmp_path):
    for setting, nbnet_ms, one, every in (("native", 1.0, 10.0, 20.0), ("avx2", 2.0, 5.0, 10.0)):
        (tmp_path / f"{report.stem('tiny', setting)}.json").write_text(
            json.dumps(_summary(setting, nbnet_ms, one, every)))
    text = settings.write("tiny", tmp_path, tmp_path / "docs")
    assert (tmp_path / "docs" / settings.DOCS_PAGE).read_text() == text
    assert (tmp_path / "tiny-settings.md").read_text() == text
    rows = {tuple(cell.strip() for cell in line.split("|")[1:3]): line
            for line in text.splitlines() if line.startswith("| P")}
    # 6·n·P = 6 MFLOP in 1 ms: 6 GFLOP/s, 60% of one thread's 10 and 30% of two threads' 20;
    # on one thread, so the bound is 10 ms / 0.6 ms at 10 GFLOP/s.
    native = rows[("P1", "native (Haswell)")]
    assert "| 6.00 | 60 / 30 | 1 | 10.00× | 3.00× | 16.7× |" in native
    avx2 = rows[("P1", "avx2 (Haswell)")]
    assert "| 3.00 | 60 / 30 | 1 | 5.00× | 1.50× | 8.3× |" in avx2
    # P3 on two threads: the bound is at the peak of both (120 MFLOP at 20 GFLOP/s: 6 ms)
    assert rows[("P3", "native (Haswell)")].endswith("| 2 | 10.00× | – | 3.3× |")
    assert "| – | – |" in rows[("P3", "native (Haswell)")]  # JAX and PyTorch absent


def test_jax_baseline_learns_the_network_scikit_learn_builds():
    pytest.importorskip("jax")
    pytest.importorskip("optax")
    from benchmarks.jax_baseline import JaxMLPClassifier, JaxMLPRegressor
    from sklearn.datasets import load_digits, make_regression

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    model = JaxMLPClassifier((32,), batch_size=64, max_iter=20, random_state=0).fit(X, y)
    assert model.n_iter_ == 20 and model.score(X, y) > 0.95
    assert [W.shape for W, _ in model.params_] == [(64, 32), (32, 10)]
    assert model.params_[0][0].dtype == np.float64  # float64 stays float64 (jax_enable_x64)
    X, y = make_regression(300, 5, noise=0.1, random_state=0)
    regressor = JaxMLPRegressor((16,), solver="sgd", learning_rate_init=1e-3, max_iter=50,
                                random_state=0).fit(X.astype(np.float32), y / y.std())
    assert regressor.score(X.astype(np.float32), y / y.std()) > 0.9
    with pytest.raises(ValueError, match="JAX baseline supports"):
        JaxMLPClassifier(solver="lbfgs")
