"""The dependency rule of docs/architecture.md: a package imports only packages below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "service"

# What each package may import from `service`, besides itself and the
# process-wide modules (settings, logs).
ALLOWED: dict[str, set[str]] = {
    "metrics": set(),
    "db": set(),
    "http": {"db", "metrics"},
    "auth": {"http", "db", "metrics"},
    "tasks": {"http", "db", "metrics"},
    "agent": {"tasks", "http", "db", "metrics"},
    "chat": {"agent", "tasks", "http", "db", "metrics"},
    "mcp": {"agent", "auth", "tasks", "http", "db", "metrics"},
}
PROCESS_WIDE = {"settings", "logs", "memory"}


def imported_packages(module: Path) -> set[str]:
    """The `service.<package>` names a module imports, at any depth in the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "service" and len(parts) > 1:
                names.add(parts[1])
            elif node.module == "service":
                names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "service" and len(parts) > 1:
                    names.add(parts[1])
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_packages_below_it(package: str) -> None:
    allowed = ALLOWED[package] | PROCESS_WIDE | {package}
    offences = {
        str(module.relative_to(SERVICE)): sorted(imported_packages(module) - allowed)
        for module in sorted((SERVICE / package).rglob("*.py"))
        if imported_packages(module) - allowed
    }
    assert not offences


def test_every_package_is_placed_in_the_rule() -> None:
    packages = {path.parent.name for path in SERVICE.glob("*/__init__.py")}
    assert packages - PROCESS_WIDE == set(ALLOWED)


def test_the_process_wide_pieces_import_no_package_of_the_service() -> None:
    for name in PROCESS_WIDE:
        modules = [*SERVICE.glob(f"{name}.py"), *SERVICE.glob(f"{name}/*.py")]
        assert modules
        for module in modules:
            assert imported_packages(module) <= PROCESS_WIDE, module


def test_only_the_mcp_package_imports_the_sdk_or_pydantic() -> None:
    users = [
        str(module.relative_to(SERVICE))
        for module in SERVICE.rglob("*.py")
        if {"pydantic", "mcp"} & {name.split(".")[0] for name in _top_level_imports(module)}
    ]
    assert users
    assert all(user.startswith("mcp/") for user in users), users


def _top_level_imports(module: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names
