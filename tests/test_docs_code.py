"""The documentation's Python code blocks run: each page's blocks in order, in one namespace,
as a reader would run them (the README's are tests/test_readme.py's, the gallery's the docs
build's)."""

import re
import textwrap
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^\.\. code-block:: python\n((?:\n|   .*\n)+)", re.MULTILINE)
PAGES = sorted(path for folder in ("getting_started", "user_guide", "dev")
               for path in (DOCS / folder).glob("*.rst") if BLOCK.search(path.read_text()))


def python_blocks(text: str) -> list[str]:
    """A page's ``.. code-block:: python`` blocks, dedented, in order."""
    return [textwrap.dedent(block) for block in BLOCK.findall(text)]


def test_python_blocks_are_found():
    text = "x\n\n.. code-block:: python\n\n   a = 1\n\n   b = a\n\nz\n\n.. code-block:: sh\n\n   ls\n"
    assert [block.strip() for block in python_blocks(text)] == ["a = 1\n\nb = a"]
    assert len(PAGES) >= 5  # the user guide's pages have examples


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("page", PAGES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_python_block_of_a_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # whatever a block writes stays out of the checkout
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__docs__"}
    for i, block in enumerate(python_blocks(page.read_text(encoding="utf-8"))):
        exec(compile(block, f"{page.relative_to(DOCS)}, python block {i + 1}", "exec"), namespace)
