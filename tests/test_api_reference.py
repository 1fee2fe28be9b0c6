"""The API reference (docs/api.rst) lists every public name, so that none lacks a page."""

import importlib
import re
from pathlib import Path

import pytest

import nbnet

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
# The modules whose public names are API: nbnet's own __all__, and its public modules' names.
MODULES = ["nbnet.callbacks", "nbnet.display", "nbnet.bridge", "nbnet.onnx", "nbnet.datasets"]


def documented() -> set[str]:
    """Every ``module.name`` that api.rst's autosummary tables list."""
    names, module = set(), None
    for line in API.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match.group(1)
        elif module and re.fullmatch(r"   [A-Za-z_]\w*", line):
            names.add(f"{module}.{line.strip()}")
    return names


def public_names(module_name: str) -> list[str]:
    """The functions and classes that ``module_name`` defines and does not mark private."""
    module = importlib.import_module(module_name)
    return [f"{module_name}.{name}" for name, value in vars(module).items()
            if not name.startswith("_") and callable(value)
            and getattr(value, "__module__", None) == module_name]


def test_every_name_of_nbnet_all_has_a_page():
    assert {f"nbnet.{name}" for name in nbnet.__all__} <= documented()


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_function_and_class_has_a_page(module_name):
    if module_name == "nbnet.onnx":
        pytest.importorskip("skl2onnx")
    missing = set(public_names(module_name)) - documented()
    assert not missing, f"not in docs/api.rst: {sorted(missing)}"
