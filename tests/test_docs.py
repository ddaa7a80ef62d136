"""Docs that cannot go stale: ``docs/architecture.md`` names every module of ``src/fairfollow``
in its package's row, and every docstring cross-reference (``:mod:``, ``:func:``, ``:class:``,
``:meth:``, ``:data:``, ``:attr:``, ``:exc:``) names a module or attribute that exists.
"""

from __future__ import annotations

import builtins
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "fairfollow"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

_ROW = re.compile(r"^\|\s*(?P<package>[^|]+?)\s*\|\s*(?P<owns>[^|]+?)\s*\|")
_NAME = re.compile(r"`([A-Za-z_][A-Za-z0-9_/.]*)`")
_REFERENCE = re.compile(r":(?P<role>mod|func|class|meth|data|attr|exc|obj):`(?P<target>[^`]+)`")


def _package_rows() -> dict[str, set[str]]:
    """The map's rows: package (``foundation`` for the top row) → the names in backticks."""
    rows: dict[str, set[str]] = {}
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match is None:
            continue
        cell = match["package"]
        names = set(_NAME.findall(f"{cell} {match['owns']}"))
        if cell.startswith("*foundation*"):
            rows["foundation"] = names
        elif (head := cell.strip("`").rstrip("/")) and (PACKAGE / head).is_dir():
            rows[head] = names
    return rows


def _modules() -> Iterator[tuple[str, str]]:
    """(package, module) for every module; ``foundation`` for the top-level ones."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if "migrations" in parts or parts[-1] in {"__init__", "__main__"}:
            continue
        yield ("foundation", parts[0]) if len(parts) == 1 else (parts[0], parts[1])


def test_the_architecture_map_names_every_module() -> None:
    rows = _package_rows()
    missing = [
        f"{package}/{module}" if package != "foundation" else module
        for package, module in _modules()
        if module not in rows.get(package, set())
    ]
    assert not missing, f"docs/architecture.md does not name: {', '.join(missing)}"


def test_every_package_has_a_row_and_the_foundation_row_is_current() -> None:
    rows = _package_rows()
    packages = {"foundation"} | {
        path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()
    }
    assert set(rows) == packages, set(rows) ^ packages
    foundation = {module for package, module in _modules() if package == "foundation"}
    assert rows["foundation"] == foundation, rows["foundation"] ^ foundation


def _source_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if "migrations" in parts:
            continue
        dotted = ".".join(["fairfollow", *parts])
        yield dotted.removesuffix(".__init__"), path


def _lookup(root: object, dotted: str) -> bool:
    target: object = root
    for part in dotted.split("."):
        if hasattr(target, part):
            target = getattr(target, part)
        else:
            # An annotated attribute (a dataclass field, a Protocol member) has no value.
            return isinstance(target, type) and any(
                part in vars(k).get("__annotations__", {}) for k in target.__mro__
            )
    return True


def _resolves(module: ModuleType, role: str, target: str) -> bool:
    target = target.lstrip("~.")
    if role == "mod":
        try:
            importlib.import_module(
                target if target.startswith("fairfollow") else f"fairfollow.{target}"
            )
        except ModuleNotFoundError:
            return False
        return True
    if target.startswith("fairfollow."):
        parts = target.split(".")
        for end in range(len(parts) - 1, 0, -1):
            try:
                owner = importlib.import_module(".".join(parts[:end]))
            except ModuleNotFoundError:
                continue
            return _lookup(owner, ".".join(parts[end:]))
        return False
    if _lookup(module, target) or _lookup(builtins, target):
        return True
    # Sphinx resolves a bare method or attribute against the class it is written in.
    classes = [value for value in vars(module).values() if isinstance(value, type)]
    return "." not in target and any(_lookup(cls, target) for cls in classes)


def _references() -> Iterator[tuple[str, int, str, str]]:
    for dotted, path in _source_modules():
        text = path.read_text(encoding="utf-8")
        for match in _REFERENCE.finditer(text):
            number = text.count("\n", 0, match.start()) + 1
            yield dotted, number, match["role"], " ".join(match["target"].split())


def test_every_docstring_cross_reference_resolves() -> None:
    broken = []
    for dotted, number, role, target in _references():
        module = importlib.import_module(dotted)
        if not _resolves(module, role, target):
            broken.append(f"{dotted}:{number}: :{role}:`{target}`")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize(
    ("role", "target", "resolves"),
    [
        ("mod", "fairfollow.tlog.merkle", True),
        ("mod", "fairfollow.tlog.no_such_module", False),
        ("func", "fairfollow.instants.parse_instant", True),
        ("func", "fairfollow.instants.no_such_function", False),
        ("class", "~fairfollow.errors.RoleError", True),
        ("class", "NoSuchClass", False),
    ],
)
def test_the_resolver_can_fail(role: str, target: str, resolves: bool) -> None:
    module = importlib.import_module("fairfollow.errors")
    assert _resolves(module, role, target) is resolves
