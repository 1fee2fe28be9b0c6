"""``demo.py`` stands on nbnet, scikit-learn and numpy alone, and says whether it compiled."""

import subprocess
import sys
from pathlib import Path

_PROBE = """
import sys
import demo
from nbnet.datasets import load
data = load("iris")
print(demo.prepare_kernels(data.X_train, data.y_train))
print(demo.prepare_kernels(data.X_train, data.y_train))
print(sorted({name.partition(".")[0] for name in sys.modules} & {"benchmarks", "torch"}))
"""


def test_demo_imports_no_benchmarks_and_reports_what_it_compiled():
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    first, second, foreign = done.stdout.strip().splitlines()[-3:]
    assert first.startswith(("kernels loaded from the cache", "compiled "))
    assert second.startswith("kernels loaded from the cache")  # nothing left to compile
    assert foreign == "[]"
