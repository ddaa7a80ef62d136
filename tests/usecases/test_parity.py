"""The command line and the web give the same answer: for every action that both a CLI
command and a web route perform, and for every kind of account, either both let the caller
through the action check or both refuse it (CLI exit 2 with the refusal sentence; HTTP
401/403 with ``accounts.sign_in_required``/``accounts.action_refused``); every route declares
an action.

What a caller does *after* the check (an unknown service, an empty queue) is not compared:
the arguments name things that do not exist, so nothing is changed by an allowed call.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fairfollow.accounts import authority
from fairfollow.accounts.account import Principal, Role
from fairfollow.accounts.actions import ALLOWED, Action, Audience, check
from fairfollow.cli.app import app as cli
from fairfollow.errors import AuthenticationError, RoleError
from fairfollow.ledger.engine import open_ledger
from fairfollow.messages.sentence import of_error
from fairfollow.web.app import create_app
from fairfollow.workspace import Workspace
from tests.web.site import PASSWORD, served_workspace, totp_now, with_accounts

UNKNOWN = "no-such-service"
# Where an allowed `consent coverage --ids-out` may write (outside the checkout).
IDS_OUT = str(Path(tempfile.gettempdir()) / "fairfollow-parity-ids.csv")

# The command each action has on the command line (arguments that pass parsing and name
# nothing that exists). The web side is read from the routes' own declarations.
CLI: dict[Action, list[str]] = {
    Action.ACCOUNT_SELF: ["account", "whoami"],
    Action.SERVICE_SHOW: ["service", "show", UNKNOWN],
    Action.SERVICE_SIGN_OFF: ["service", "review", UNKNOWN],
    Action.SERVICE_APPROVE: ["service", "approve", UNKNOWN],
    Action.SERVICE_VETO: ["service", "veto", UNKNOWN, "--reason", "parity"],
    Action.REVIEW_QUEUE: ["service", "queue"],
    Action.POLICY_LIST: ["policy", "list"],
    Action.POLICY_ACTIVATE: ["policy", "activate", "no-such-version"],
    Action.RIGHTS_ACT: ["rights", "due"],
    Action.CONSENT_COVERAGE: ["consent", "coverage", "--purpose", "employer_forecast"],
    Action.CONSENT_MEMBER_IDS: [
        "consent", "coverage", "--purpose", "employer_forecast", "--ids-out", IDS_OUT,
    ],
}  # fmt: skip
# Actions a CLI command takes as the workspace's own shell (Audience.LOCAL: whoever holds
# the workspace's files runs them), which the web never is: not comparable by design.
LOCAL_ONLY = {action for action, allowed in ALLOWED.items() if Audience.LOCAL in allowed}
# One command, two actions by caller: `rights request` is the member's own request
# (MEMBER_REQUEST) or staff filing one (RIGHTS_FILE); the web has a route for the first only.
SPLIT = {Action.MEMBER_REQUEST}
# The model's oversight and evaluation are pages of the officer's console; on the command
# line the model is trained and evaluated by the pipeline (LOCAL), so no command compares.
NOT_YET = {Action.MODEL_EVALUATE, Action.MODEL_OVERSIGHT}
KINDS = (
    "public", "member", "employer", "analyst", "privacy_officer", "reviewer", "auditor",
    "operator", "administrator", "product_owner",
)  # fmt: skip


class Site:
    """One workspace with one account per kind, a bearer token for each, the web app."""

    def __init__(self, root: Path) -> None:
        settings = served_workspace(root / "ws", rounds=1)
        self.workspace = Workspace.from_settings(settings)
        now = datetime.now(UTC)  # the CLI checks tokens against the real clock
        engine = open_ledger(self.workspace.ledger_url)
        admin = authority.bootstrap(engine, now)
        engine.dispose()
        accounts = with_accounts(settings, now)
        engine = open_ledger(self.workspace.ledger_url)
        self.tokens: dict[str, str | None] = {"public": None}
        for kind, account in accounts.items():
            token = authority.login(
                engine, account.login, PASSWORD, now, totp=totp_now(account, now)
            )
            self.tokens[kind] = token.token
        self.tokens["administrator"] = authority.login(
            engine, admin.account.login, admin.secret, now
        ).token
        boss = authority.principal_for(engine, admin.account.login)
        for kind, role in (("operator", Role.OPERATOR), ("product_owner", Role.PRODUCT_OWNER)):
            new = authority.create_account(engine, boss, kind, display_name=kind, now=now)
            authority.change_role(engine, boss, kind, role, grant=True, now=now)
            self.tokens[kind] = authority.login(engine, kind, new.secret, now).token
        self.principals: dict[str, Principal | None] = {
            kind: None if token is None else authority.authenticate(engine, token, now)
            for kind, token in self.tokens.items()
        }
        engine.dispose()
        self.app = create_app(settings)
        self.client = TestClient(self.app)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    yield Site(tmp_path_factory.mktemp("parity"))


def _route(site: Site, action: Action) -> tuple[str, str]:
    """A route that performs ``action``: a GET if there is one, with ids made concrete."""
    routes = sorted(
        (m != "GET", path, m) for (m, path), a in site.app.state.access.items() if a is action
    )
    _, path, method = routes[0]
    return method, path.replace("{service_id}", UNKNOWN).replace("{request_id}", "999999")


def _web_refused(site: Site, kind: str, action: Action) -> bool:
    method, path = _route(site, action)
    token = site.tokens[kind]
    headers = {} if token is None else {"authorization": f"Bearer {token}"}
    answer = site.client.request(method, path, headers=headers)
    if answer.status_code not in (401, 403):
        return False
    return answer.json().get("code") in {"accounts.sign_in_required", "accounts.action_refused"}


def _refusal(site: Site, kind: str, action: Action) -> str | None:
    """The sentence the action check says to this caller (None: let through)."""
    try:
        check(site.principals[kind], action)
    except (AuthenticationError, RoleError) as exc:
        return " ".join(of_error(exc, "en").split())
    return None


def _cli_refused(site: Site, kind: str, action: Action, monkeypatch: pytest.MonkeyPatch) -> bool:
    token = site.tokens[kind]
    if token is None:
        monkeypatch.delenv("FAIRFOLLOW_TOKEN", raising=False)
    else:
        monkeypatch.setenv("FAIRFOLLOW_TOKEN", token)
    result = CliRunner().invoke(cli, ["--workspace", str(site.workspace.root), *CLI[action]])
    said = " ".join(result.output.split())
    sentence = _refusal(site, kind, action)
    return result.exit_code == 2 and sentence is not None and sentence in said


def test_every_route_declares_an_action(site: Site) -> None:
    from tests.web.test_access import _routes

    declared = site.app.state.access
    assert _routes(site.app) <= set(declared)
    assert all(isinstance(action, Action) for action in declared.values())


def test_every_shared_action_has_its_command(site: Site) -> None:
    on_the_web = set(site.app.state.access.values())
    assert set(CLI) <= on_the_web, "a command listed here for an action no route performs"
    assert LOCAL_ONLY.isdisjoint(CLI)
    # Every action the web performs and the CLI has a command for is in CLI (or set aside
    # above, with the reason).
    shared = {Action.SERVICE_SHOW, Action.POLICY_LIST, Action.RIGHTS_ACT, Action.CONSENT_COVERAGE}
    assert shared <= set(CLI)
    assert not (NOT_YET | SPLIT) & set(CLI)


@pytest.mark.parametrize("action", sorted(CLI, key=str))
def test_cli_and_web_give_the_same_answer(
    site: Site, action: Action, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {}
    for kind in KINDS:
        web = _web_refused(site, kind, action)
        command_line = _cli_refused(site, kind, action, monkeypatch)
        expected = _refusal(site, kind, action) is not None
        answers[kind] = (web, command_line, expected)
    differ = {kind: a for kind, a in answers.items() if len(set(a)) > 1}
    assert not differ, f"{action}: (web refused, CLI refused, table refuses) {differ}"
    assert any(not a[0] for a in answers.values())  # somebody is let through
    assert any(a[0] for a in answers.values())  # and somebody is refused
