"""requirements.lock (what the image installs) matches pyproject.toml's pins."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)", line.strip())
        if match:
            found[match[1].lower().replace("_", "-")] = match[2]
    return found


def test_every_runtime_dependency_is_locked_at_its_pinned_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = pins(project["project"]["dependencies"])
    locked = pins((ROOT / "requirements.lock").read_text().splitlines())
    assert wanted
    stale = {name: (version, locked.get(name)) for name, version in wanted.items()
             if locked.get(name) != version}  # fmt: skip
    assert not stale, f"run `make lock`: {stale}"
