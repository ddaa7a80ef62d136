"""The upper core packages raise codes, never sentences (issue 21).

Every error constructor called in tlog/, accounts/, records/, services/, intake/, release/,
rights/ and scenarios/ gets a stable code as its first argument: a literal code, or a value
that holds one (``reason``); an f-string or a literal sentence fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import fairfollow.errors
from fairfollow.errors import CODE, FairFollowError
from fairfollow.messages import catalogue

SRC = Path(__file__).parents[2] / "src" / "fairfollow"
PACKAGES = ("tlog", "accounts", "records", "services", "intake", "release", "rights", "scenarios")
ERRORS = {
    name
    for name, value in vars(fairfollow.errors).items()
    if isinstance(value, type) and issubclass(value, FairFollowError)
} | {"LeafFormatError"}


def _error_calls() -> list[tuple[str, ast.Call]]:
    found: list[tuple[str, ast.Call]] = []
    for package in PACKAGES:
        for path in sorted((SRC / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in ERRORS
                ):
                    found.append((f"{path.relative_to(SRC)}:{node.lineno}", node))
    return found


def test_the_packages_raise_errors_at_all() -> None:
    assert len(_error_calls()) > 150  # the walk finds them, so the checks below can fail


def test_every_error_of_the_upper_core_passes_a_code() -> None:
    sentences = []
    for where, call in _error_calls():
        first = call.args[0] if call.args else None
        if isinstance(first, ast.JoinedStr | ast.BinOp) or first is None:
            sentences.append(f"{where}: {ast.unparse(call)[:80]}")
        elif isinstance(first, ast.Constant) and not (
            isinstance(first.value, str) and CODE.fullmatch(first.value)
        ):
            sentences.append(f"{where}: {first.value!r}")
    assert not sentences, "\n".join(sentences)


def test_every_code_of_the_upper_core_is_in_its_own_catalogue_file() -> None:
    """A code of package P lives in P.po (one file per package), in both languages."""
    for language in ("ja", "en"):
        for package in PACKAGES:
            text = (catalogue.LOCALE_DIR / language / f"{package}.po").read_text("utf-8")
            codes = {
                first.value
                for _, call in _error_calls()
                if call.args
                and isinstance(first := call.args[0], ast.Constant)
                and isinstance(first.value, str)
                and first.value.startswith(f"{package}.")
            }
            missing = sorted(c for c in codes if f'msgid "{c}"' not in text)
            assert not missing, f"{language}/{package}.po lacks {missing}"
