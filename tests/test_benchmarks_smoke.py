"""The benchmark suite runs end to end at its tiny scale, so that it cannot rot.

No timing is asserted: only that every workload runs and lands in the report.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is a directory of the checkout, not installed
    sys.path.insert(0, str(ROOT))

from benchmarks import report, run  # noqa: E402


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
