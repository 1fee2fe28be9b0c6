"""Print pip constraints that pin every dependency of nbnet, and of the extras named on the
command line, to the lowest version pyproject.toml declares (``name>=X`` becomes ``name==X``).

Used by ``make test-oldest``: a packager's oldest supported set, installed in a fresh venv.
Needs Python 3.11 (tomllib), the version nbnet is developed and tested on.
"""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
requirements = list(project["dependencies"])
extras = project["optional-dependencies"]
pending = list(sys.argv[1:])
while pending:
    for requirement in extras[pending.pop()]:
        nested = re.fullmatch(r"nbnet\[(\w+)\]", requirement)
        if nested:
            pending.append(nested.group(1))
        else:
            requirements.append(requirement)
pins = {}
for requirement in requirements:
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[\w,]+\])?\s*>=\s*([\w.]+)(,.*)?", requirement)
    if match is None:
        sys.exit(f"no lower bound in {requirement!r}")
    pins[match.group(1).lower()] = match.group(3)
for name, version in sorted(pins.items()):
    print(f"{name}=={version}")
