"""docs/governance.md: its generated sections match the data, and its example runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import app
from fairfollow.errors import FairFollowError
from fairfollow.services.doc import update

DOC = Path(__file__).parents[2] / "docs" / "governance.md"


def test_generated_sections_match_the_rule_data() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert update(text) == text, "regenerate with fairfollow.services.doc.update"


def test_update_refuses_a_document_without_the_sections() -> None:
    with pytest.raises(ValueError, match="rules"):
        update("no sections here")


def _example_lines() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- example:governance -->\n```sh\n(.*?)```", text, re.DOTALL)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_documented_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FAIRFOLLOW_LEDGER_URL", raising=False)
    monkeypatch.delenv("FAIRFOLLOW_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for line in _example_lines():
        command, _, comment = line.partition("#")
        words = shlex.split(command)
        target = source = None
        if ">" in words:
            target = words[words.index(">") + 1]
            words = words[: words.index(">")]
        if "<" in words:
            source = Path(words[words.index("<") + 1]).read_text(encoding="utf-8")
            words = words[: words.index("<")]
        assert words[0] == "fairfollow"
        result = runner.invoke(app, words[1:], input=source)
        expected = next((int(c) for c in "12" if f"exits {c}" in comment), 0)
        # `main()` turns a FairFollowError into exit 2; the runner calls the app beneath it.
        code = 2 if isinstance(result.exception, FairFollowError) else result.exit_code
        assert code == expected, f"{line}\n{result.output}"
        if target:
            Path(target).write_text(result.output, encoding="utf-8")
