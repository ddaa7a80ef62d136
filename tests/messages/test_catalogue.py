"""The message catalogue: every code the core raises has a sentence in Japanese and English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fairfollow.errors import CODE, FairFollowError, ProhibitedItemError
from fairfollow.law.prohibited import find_prohibited
from fairfollow.messages import catalogue, formats
from fairfollow.messages.sentence import of_error

SRC = Path(__file__).parents[2] / "src" / "fairfollow"
ERROR_NAMES = {
    name
    for name, value in vars(__import__("fairfollow.errors", fromlist=["*"])).items()
    if isinstance(value, type) and issubclass(value, FairFollowError)
}


def raised_codes() -> dict[str, str]:
    """Every literal code passed to an error of the tree anywhere in the source, with where."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ERROR_NAMES or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found[first.value] = f"{path.relative_to(SRC)}:{node.lineno}"
    return found


def test_the_two_languages_hold_the_same_codes() -> None:
    assert set(catalogue.entries("ja")) == set(catalogue.entries("en"))
    assert all(catalogue.entries(language).values() for language in formats.LANGUAGES)


@pytest.mark.parametrize("language", formats.LANGUAGES)
def test_every_raised_code_has_a_sentence(language: str) -> None:
    known = catalogue.entries(language)
    codes = {code: where for code, where in raised_codes().items() if CODE.fullmatch(code)}
    missing = sorted(f"{where}: {code}" for code, where in codes.items() if code not in known)
    assert not missing, "\n".join(missing)


def test_a_prohibited_column_is_worded_in_each_language() -> None:
    hit = find_prohibited(["氏名", "本籍地"])
    assert hit is not None
    error = ProhibitedItemError("list.csv", hit.column, hit.rule_id, hit.citation, hit.basis)
    assert error.code == "intake.prohibited_item"
    japanese, english = of_error(error, "ja"), of_error(error, "en")
    assert "本籍地" in japanese and "収集" in japanese
    assert "職業安定法第5条の5" in japanese and "ESA" not in japanese
    assert "本籍地" in english and "refused" in english and "ESA Art. 5-5" in english


def test_parameters_are_formatted_for_people() -> None:
    from datetime import UTC, datetime

    at = datetime(2026, 12, 7, 16, 31, tzinfo=UTC)
    assert catalogue.shown(at, "ja") == "2026年12月8日(火) 01:31"
    assert catalogue.shown(at, "en") == "8 Dec 2026, 01:31 JST"
    assert catalogue.shown(12345, "ja") == "12,345"
    assert catalogue.shown(True, "ja") == "はい"


def test_a_missing_code_shows_itself_rather_than_fail() -> None:
    assert catalogue.text("no.such_code", "ja") == "no.such_code"


# Part A of the conversion: the lower core packages raise codes, never sentences.
LOWER_CORE = (
    "canonical_json.py",
    "keyfile.py",
    "instants.py",
    "workspace.py",
    "settings.py",
    "csv_export.py",
    "law",
    "season",
    "employers",
    "events",
    "ledger",
    "consent",
    "model",
)


def _sources(parts: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        path = SRC / part
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def _sentences_passed(path: Path, root: Path = SRC) -> list[str]:
    """Error constructors in ``path`` whose code is not a literal code (an f-string, a
    sentence, a variable). Re-raising another error's ``code`` and ``ProhibitedItemError``
    (whose code is fixed by the class) are the allowed exceptions."""
    bad: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in ERROR_NAMES or node.func.id == "ProhibitedItemError":
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            if CODE.fullmatch(first.value):
                continue
        elif isinstance(first, ast.Attribute) and first.attr == "code":
            continue  # the same error re-raised under another class
        elif isinstance(first, ast.Name) and first.id == "code":
            continue  # a helper that takes the code as its parameter
        bad.append(f"{path.relative_to(root)}:{node.lineno}: {node.func.id}")
    return bad


def test_the_lower_core_packages_raise_codes_not_sentences() -> None:
    bad = [found for path in _sources(LOWER_CORE) for found in _sentences_passed(path)]
    assert not bad, "\n".join(bad)


def test_the_check_finds_a_sentence(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        'raise InputError(f"member {m} is unknown")\nraise InputError("law.x_y", m=1)\n',
        encoding="utf-8",
    )
    assert _sentences_passed(sample, tmp_path) == ["sample.py:1: InputError"]


def test_every_law_note_has_a_sentence() -> None:
    """Notes of rule findings are codes too, worded in both languages."""
    notes = {
        node.value
        for path in _sources(("law",))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("law.note.")
    }
    assert len(notes) > 40
    for language in formats.LANGUAGES:
        assert not sorted(notes - set(catalogue.entries(language))), language


def test_a_rule_note_and_citation_read_in_each_language() -> None:
    from fairfollow.law.packs import RULES, example_release, rule
    from fairfollow.law.rules import RuleConfig, evaluate

    ctx = rule("jp.third_party_consent").breach(example_release())
    (result,) = [
        r
        for r in evaluate(RULES, ctx, RuleConfig()).results
        if r.rule_id == "jp.third_party_consent"
    ]
    japanese = catalogue.text(result.note_code, "ja", **result.note_params)
    english = catalogue.text(result.note_code, "en", **result.note_params)
    assert japanese != result.note_code and english != result.note_code
    cited = formats.citation(result.law, result.article, result.paragraph, "ja")
    assert cited == "個人情報保護法第27条第1項"


@pytest.mark.parametrize(
    "name", ["foundation", "law", "season", "employers", "events", "ledger", "consent", "model"]
)
def test_both_languages_fill_the_same_parameters(name: str) -> None:
    """A sentence that names a parameter in one language names it in the other."""
    from babel.messages.pofile import read_po

    placeholder = re.compile(r"%\((\w+)\)s")
    found: dict[str, dict[str, set[str]]] = {}
    for language in formats.LANGUAGES:
        with (catalogue.LOCALE_DIR / language / f"{name}.po").open("rb") as source:
            for message in read_po(source, locale=language):
                if message.id and isinstance(message.id, str):
                    used = set(placeholder.findall(str(message.string)))
                    found.setdefault(str(message.id), {})[language] = used
    assert found
    differ = sorted(code for code, used in found.items() if used["ja"] != used["en"])
    assert not differ, differ
