"""The README's Python blocks run, in order, in one namespace, as a reader would run them."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[str]:
    """The README's ```python blocks, in order."""
    return BLOCK.findall(text)


def test_python_blocks_are_found():
    assert python_blocks("x\n```python\na = 1\n```\n```sh\nls\n```\n```python\nb = a\n```\n") \
        == ["a = 1\n", "b = a\n"]


@pytest.mark.slow
def test_every_python_block_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # whatever a block writes stays out of the checkout
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert blocks
    namespace = {"__name__": "__readme__"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"README.md, python block {i + 1}", "exec"), namespace)
    assert "test accuracy" in capsys.readouterr().out


def test_readme_is_short_and_starts_with_the_two_make_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    first = text.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line.split()[:2] for line in first[:2]] == [["make", "demo"], ["make", "test"]]
