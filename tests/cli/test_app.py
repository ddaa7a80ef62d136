"""The root command: commands loaded on use, ``-w`` anywhere, one-line errors (exit 2) for
every command on a missing path and on a malformed option, and a light start-up."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fairfollow.cli.app import COMMANDS, app, module_commands, workspace_first

runner = CliRunner()
# Commands that need no workspace and no input path: the missing-path run does not apply
# (`simulate` and `demo` would run a whole simulation; the others print a document).
NO_PATH = {
    ("simulate",),
    ("demo",),
    ("service", "example"),
    ("service", "rules"),
    ("rights", "kinds"),
    ("rules", "list"),
}
CREATES = {
    ("db", "upgrade"),
    ("account", "bootstrap"),
    ("log", "witness"),
    ("log", "witness", "serve"),
    ("log", "witness-key"),
}
PROMPTS = {("account", "login"), ("account", "password")}  # ask for a secret before anything


def leaves() -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every runnable command on the line: its words and its click command."""

    def walk(words: tuple[str, ...], command: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
        sub = getattr(command, "commands", None)
        if sub:
            for name, child in sorted(sub.items()):
                yield from walk((*words, name), child)
        else:
            yield words, command

    for name, (module, _) in COMMANDS.items():
        tree = module_commands(module)
        found = getattr(tree, "commands", {}).get(name, tree)
        yield from walk((name,), found)


ALL = sorted(leaves(), key=lambda item: item[0])


def _kind(param: Any) -> Any:
    return param.type_descriptor.annotation


def _value(param: Any, missing: Path) -> str:
    kind = _kind(param)
    if kind is Path:
        return str(missing)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return str(next(iter(kind)).value)
    values = {int: "1", float: "1.0", datetime: "2019-07-15T00:00+09:00"}
    if kind in values:
        return values[kind]
    return "E0001" if param.name == "employer" else "x"


def _required(command: Any, missing: Path) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if not param.required:
            continue
        value = _value(param, missing)
        if param.param_type_name == "argument":
            args.append(value)
        else:
            args += [param.opts[0], value]
    return args


def _one_line_error(result: Any) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return str(lines[0])


def test_the_sweep_covers_every_command() -> None:
    names = {" ".join(words) for words, _ in ALL}
    assert len(names) > 40 and {"intake", "log verify", "release forecast"} <= names


@pytest.mark.parametrize(("words", "command"), ALL, ids=[" ".join(w) for w, _ in ALL])
def test_every_command_on_a_missing_path_fails_in_one_line(
    words: tuple[str, ...], command: Any, tmp_path: Path
) -> None:
    if words in NO_PATH | CREATES | PROMPTS:
        pytest.skip("needs no workspace and no input path, or creates its workspace")
    missing = tmp_path / "not-there" / "nothing"
    args = ["-w", str(missing), *words, *_required(command, missing)]
    line = _one_line_error(runner.invoke(app, args))
    assert "not-there" in line or "no " in line.lower(), line
    assert not (tmp_path / "not-there").exists()  # nothing half-built is left behind


@pytest.mark.parametrize(("words", "command"), ALL, ids=[" ".join(w) for w, _ in ALL])
def test_every_command_with_a_malformed_option_fails_in_one_line(
    words: tuple[str, ...], command: Any, tmp_path: Path
) -> None:
    typed = [
        p
        for p in command.params
        if p.param_type_name == "option" and _kind(p) in (int, float, datetime)
    ]
    bad = [typed[0].opts[0], "not-a-value"] if typed else ["--no-such-option"]
    args = ["-w", str(tmp_path / "ws"), *words, *_required(command, tmp_path / "x"), *bad]
    _one_line_error(runner.invoke(app, args))


def test_workspace_is_accepted_after_the_subcommand(tmp_path: Path) -> None:
    assert workspace_first(["log", "verify", "-w", "ws", "--json"]) == [
        "-w", "ws", "log", "verify", "--json",
    ]  # fmt: skip
    assert workspace_first(["db", "status", "--workspace=ws"]) == ["--workspace=ws", "db", "status"]
    result = runner.invoke(app, ["db", "upgrade", "-w", str(tmp_path / "ws")])
    assert result.exit_code == 0 and (tmp_path / "ws" / "ledger.sqlite").exists()


def test_a_mistyped_workspace_is_never_invented(tmp_path: Path) -> None:
    runner.invoke(app, ["-w", str(tmp_path / "ws"), "db", "upgrade"])
    for command in (["log", "verify"], ["log", "audit"], ["budget", "show"]):
        result = runner.invoke(app, ["-w", str(tmp_path / "wz"), *command])
        assert "no workspace at" in _one_line_error(result)
    assert not (tmp_path / "wz").exists()


def test_help_lists_the_commands_from_the_table() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_the_table_matches_what_the_modules_register() -> None:
    for name, (module, help_text) in COMMANDS.items():
        tree = module_commands(module)
        found = getattr(tree, "commands", {}).get(name, tree)
        assert found.name == name and (found.help or "").strip().startswith(help_text), name
    registered = {
        name for module in {m for m, _ in COMMANDS.values()}
        for name in getattr(module_commands(module), "commands", {})
    }  # fmt: skip
    assert registered <= set(COMMANDS) | {"simulate"}


@pytest.mark.parametrize("args", [["--help"], ["log", "--help"]])
def test_start_up_imports_neither_the_analysis_stack_nor_the_stores(args: list[str]) -> None:
    code = (
        "import sys; sys.argv = ['fairfollow', *sys.argv[1:]]\n"
        "from fairfollow.cli.app import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MODULES', *sorted({m.split('.')[0] for m in sys.modules}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True
    )
    loaded = set(run.stdout.split("MODULES", 1)[1].split())
    heavy = {"sklearn", "lightgbm", "fairlearn", "ibis", "pyspark", "matplotlib", "scipy"}
    stores = {"sqlalchemy", "duckdb", "pyarrow", "pandas"}
    assert not (heavy | stores) & loaded


def test_import_of_the_app_pulls_in_no_analysis_stack() -> None:
    code = "import sys, fairfollow.cli.app; print(*sorted({m.split('.')[0] for m in sys.modules}))"
    run = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    heavy = {"sklearn", "lightgbm", "fairlearn", "ibis", "pyspark", "matplotlib", "scipy"}
    assert not heavy & set(run.stdout.split())


def test_errors_are_reported_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fairfollow", "simulate", "--students", "300", "--defects", "q",
         "--out", str(tmp_path / "s")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "unknown defect" in done.stderr.lower() and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
