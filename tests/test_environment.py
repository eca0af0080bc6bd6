"""environment.yml (conda) and pyproject.toml must ask for the same packages and lower bounds."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SPEC = re.compile(r"^([A-Za-z0-9_.\-]+)\s*(.*)$")


def requirements(lines):
    out = {}
    for line in lines:
        name, bound = SPEC.match(line.strip()).groups()
        out[name.lower().replace("_", "-")] = bound.replace(" ", "")
    return out


def test_environment_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = requirements(project["dependencies"] + project["optional-dependencies"]["test"])
    wanted["python"] = project["requires-python"]
    conda = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed = requirements(d for d in conda["dependencies"] if isinstance(d, str) and d != "pip")
    assert listed == wanted
    pip_part = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_part
