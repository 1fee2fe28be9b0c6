"""The A/B comparison of two versions (``benchmarks/ab.py``): how it pairs and what it reports.

The children are replaced by fakes here; a real comparison starts two versions' cold fits
(minutes), which the benchmarks' own runs do.
"""

import io
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is a directory of the checkout, not installed
    sys.path.insert(0, str(ROOT))

from benchmarks import ab  # noqa: E402


def test_four_rounds_take_each_order_and_core_once():
    plan = ab.pairs(8)
    combinations = [(order, cores["new"]) for order, cores in plan]
    assert len(set(combinations[:4])) == 4 and combinations[4:] == combinations[:4]
    for order, cores in plan:
        assert sorted(order) == ["base", "new"] and {cores["base"], cores["new"]} == {0, 1}


class _FakeChildren:
    """Stands in for ``start`` and ``result``: records each start, and answers with the
    seconds of the version (base twice as slow as new) or its cache folder."""

    def __init__(self, folders):
        self.starts, self.folders, self.caches = [], folders, set()

    def start(self, version, args, env, core=None):
        self.starts.append((version.name, tuple(args), env.get("NBNET_PRODUCT_CHOICE"), core))
        self.caches.add(Path(env["NUMBA_CACHE_DIR"]))
        Path(env["NUMBA_CACHE_DIR"]).mkdir(parents=True, exist_ok=True)  # as Numba would
        return version.name, args

    def result(self, started):
        name, args = started
        seconds = 2.0 if name == "base" else 1.0
        if args[0] == "first_fit":
            return {"float64": 10 * seconds, "float32": 5 * seconds}
        return {"seconds": seconds / 1e3, "cache": str(self.folders[name])}


@pytest.mark.parametrize("cores", [{0, 1}, {0}])
def test_compile_pairs_start_together_on_two_cores_and_in_turn_on_one(monkeypatch, cores):
    fake = _FakeChildren({})
    monkeypatch.setattr(ab, "start", fake.start)
    monkeypatch.setattr(ab, "result", fake.result)
    monkeypatch.setattr(ab.os, "sched_getaffinity", lambda pid: cores)
    out = io.StringIO()
    sides = {"base": ab.Version("base", ROOT), "new": ab.Version("new", ROOT)}
    seconds = ab.compare_compile(sides, 4, None, "sgd", out)
    assert seconds["base"]["float64"] == [20.0] * 4 and seconds["new"]["float32"] == [5.0] * 4
    assert "sgd float64: new − base -10.00 s" in out.getvalue()
    assert "sgd float32: new − base -5.00 s" in out.getvalue()
    assert {args for _, args, *_ in fake.starts} == {("first_fit", "sgd")}
    firsts = [fake.starts[i][0] for i in range(0, 8, 2)]
    assert firsts == ["base", "base", "new", "new"]
    used = {name: [core for started, *_, core in fake.starts if started == name]
            for name in ("base", "new")}
    if len(cores) == 1:
        assert used == {"base": [None] * 4, "new": [None] * 4}
    else:  # each pair on both cores, swapped every round
        assert used == {"base": [0, 1, 0, 1], "new": [1, 0, 1, 0]}


@pytest.mark.parametrize("setting", [None, "avx2"])
def test_epochs_share_base_product_choices_and_report_the_ratio(monkeypatch, tmp_path, setting):
    folders = {name: tmp_path / name for name in ("base", "new")}
    for folder in folders.values():
        folder.mkdir()
    (folders["base"] / "products.json").write_text(json.dumps({"machine": {"shape": 1}}))
    fake = _FakeChildren(folders)
    monkeypatch.setattr(ab, "start", fake.start)
    monkeypatch.setattr(ab, "result", fake.result)
    out = io.StringIO()
    sides = {"base": ab.Version("base", ROOT), "new": ab.Version("new", ROOT)}
    seconds = ab.compare_epochs(sides, 2, ["P1", "P3"], "tiny", setting, out)
    # warm-up fits first: base's time the products, new's do not (they get base's choices)
    warm = fake.starts[:4]
    assert [(name, args[1], choice) for name, args, choice, _ in warm] == [
        ("base", "P1", None), ("base", "P3", None), ("new", "P1", "off"), ("new", "P3", "off")]
    assert json.loads((folders["new"] / "products.json").read_text()) == {
        "machine": {"shape": 1}}
    timed = fake.starts[4:]
    assert all(choice is None and args[3] == str(ab.REPEATS) for _, args, choice, _ in timed)
    assert [name for name, *_ in timed] == ["base", "new", "base", "new"] * 2
    assert seconds["new"]["P3"] == [1e-3, 1e-3]
    assert "epochs P1: new / base 0.500" in out.getvalue()
    # the children's kernel caches (the AVX2 setting renames the folder) are removed after
    assert len(fake.caches) == 1 and not any(cache.exists() for cache in fake.caches)


def test_the_command_needs_rounds_of_something(capsys):
    with pytest.raises(SystemExit):
        ab.parse_args(["HEAD"])
    assert "nothing to compare" in capsys.readouterr().err
    args = ab.parse_args(["HEAD~1", "--epochs", "3", "--only", "P1", "--cpu", "avx2"])
    assert (args.base, args.epochs, args.compile, args.only, args.cpu, args.solver) == (
        "HEAD~1", 3, 0, "P1", "avx2", "adam")
    assert ab.parse_args(["HEAD", "--compile", "2", "--solver", "lbfgs"]).solver == "lbfgs"


def test_versions_with_the_same_kernels_share_one_cache_folder(tmp_path):
    (tmp_path / "products.json").write_text("{}")
    ab._share_choices(str(tmp_path), str(tmp_path))  # nothing to copy, no error
    assert (tmp_path / "products.json").read_text() == "{}"
