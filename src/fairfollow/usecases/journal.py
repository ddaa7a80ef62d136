"""One JSON line per core action: who (an account id), what (the action), how it ended.

The web writes one per request that performs a declared action; the command line one per
command. A line holds a request id, the channel, the action, the caller's account id, the
outcome and the error's *code* — never its parameters, an argument, a path or a login, so
no member id, name, e-mail or token can reach it. A code that is not a dotted code (an old
error still passing a sentence, which could quote its input) is written as ``uncoded``.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO

from fairfollow.accounts import actions
from fairfollow.accounts.actions import Action
from fairfollow.errors import AuthenticationError, FairFollowError, RoleError

logger = logging.getLogger("fairfollow.actions")
LOGGERS = ("fairfollow.requests", "fairfollow.actions")
_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


class Outcome(StrEnum):
    DONE = "done"
    REFUSED = "refused"  # not signed in, or not allowed the action
    FAILED = "failed"


def new_request_id() -> str:
    return secrets.token_hex(8)


def safe_code(code: str) -> str:
    """The code if it is a stable dotted code; ``uncoded`` for a legacy sentence."""
    return code if _CODE.match(code) else "uncoded"


def outcome_of(error: BaseException | None) -> tuple[Outcome, str | None]:
    """How an action ended, and the code that says why (no parameters)."""
    if error is None:
        return Outcome.DONE, None
    if isinstance(error, AuthenticationError | RoleError):
        return Outcome.REFUSED, safe_code(error.code)
    if isinstance(error, FairFollowError):
        return Outcome.FAILED, safe_code(error.code)
    if isinstance(error, SystemExit):
        status = error.code if isinstance(error.code, int) else 1
        return (Outcome.DONE, None) if status == 0 else (Outcome.FAILED, f"exit.{status}")
    return Outcome.FAILED, f"exception.{type(error).__name__.lower()}"


def record(
    *,
    channel: str,
    request_id: str,
    action: str | None,
    account: str | None,
    outcome: Outcome,
    code: str | None = None,
    command: str | None = None,
    ms: float | None = None,
) -> None:
    """Write one action line (logger ``fairfollow.actions``)."""
    line: dict[str, object] = {
        "event": "action",
        "channel": channel,
        "request_id": request_id,
        "action": action,
        "account": account,
        "outcome": outcome.value,
        "code": code,
    }
    if command is not None:
        line["command"] = command
    if ms is not None:
        line["ms"] = round(ms, 1)
    logger.info(json.dumps(line, sort_keys=True, ensure_ascii=False))


@dataclass
class _Command:
    name: str
    request_id: str = field(default_factory=new_request_id)
    action: str | None = None
    account: str | None = None


_current: ContextVar[_Command | None] = ContextVar("fairfollow_command", default=None)


def note(action: str) -> None:
    """The running command's action."""
    found = _current.get()
    if found is not None:
        found.action = action


def _noted(action: Action) -> None:
    # The first action a command checks is the command's own; the core's later checks on
    # its behalf (a grant's duties, a replay's steps) do not rename it.
    found = _current.get()
    if found is not None and found.action is None:
        found.action = action.value


def note_account(account: str) -> None:
    """The running command's caller, once authenticated (an account id)."""
    found = _current.get()
    if found is not None:
        found.account = account


@contextmanager
def command(name: str | None) -> Iterator[None]:
    """One command line run: its action line is written when it ends, however it ends.
    ``name`` is the top-level command (never an argument); None writes nothing (help)."""
    if name is None:
        yield
        return
    actions.watch(_noted)  # the action the use case checks names the command's line
    running = _Command(name)
    token = _current.set(running)
    started = time.perf_counter()
    error: BaseException | None = None
    try:
        yield
    except BaseException as exc:
        error = exc
        raise
    finally:
        _current.reset(token)
        outcome, code = outcome_of(error)
        record(
            channel="cli",
            request_id=running.request_id,
            action=running.action,
            account=running.account,
            outcome=outcome,
            code=code,
            command=running.name,
            ms=(time.perf_counter() - started) * 1000,
        )


def configure(stream: IO[str] | None = None) -> None:
    """Send the request and action lines, as they are, to ``stream`` (stderr by default);
    once per process, whatever the logging configuration of the host (uvicorn's)."""
    for name in LOGGERS:
        named = logging.getLogger(name)
        named.setLevel(logging.INFO)
        if any(getattr(h, "_fairfollow", False) for h in named.handlers):
            continue
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._fairfollow = True  # type: ignore[attr-defined]
        named.addHandler(handler)


def unconfigure() -> None:
    """Remove the handlers :func:`configure` added (a command line run is over)."""
    for name in LOGGERS:
        named = logging.getLogger(name)
        for handler in [h for h in named.handlers if getattr(h, "_fairfollow", False)]:
            named.removeHandler(handler)
