"""The employer's portal on a replayed season: uploads through the intake core, forecasts
through the release door, budget, past releases and receipts — each employer user seeing
only its own employer, and no page or API answer saying anything about a person."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fairfollow.cli.app import app as cli
from fairfollow.intake.pool_store import intakes_of, load_pool, quarantine_of
from fairfollow.ledger.engine import open_ledger
from fairfollow.ledger.transaction import reading
from fairfollow.model.feature_source import read_store_table
from fairfollow.release.budget_store import budget
from fairfollow.scenarios.site_accounts import SiteAccount
from fairfollow.tlog.keys import load_or_create_log_signer
from fairfollow.tlog.receipt import verify_receipt
from fairfollow.web.app import create_app
from tests.web.employer_site import (
    ATTESTATION,
    NO_LIST,
    EmployerSite,
    employer_site,
    list_with_bad_rows,
)
from tests.web.site import PASSWORD, csrf_of, sign_in

PAGES = ("/employer", "/employer/lists", "/employer/forecast", "/employer/releases")
APIS = ("/api/v1/employer", "/api/v1/employer/releases", "/api/v1/employer/lists")


@pytest.fixture(scope="module")
def site(replayed_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> EmployerSite:
    return employer_site(replayed_workspace, tmp_path_factory.mktemp("employer") / "ws")


@pytest.fixture(scope="module")
def application(site: EmployerSite) -> object:
    return create_app(site.settings)  # the real clock: releases happen now


def _client(application: object, account: SiteAccount) -> TestClient:
    client = TestClient(application)  # type: ignore[arg-type]
    client.headers["accept"] = "text/html"
    return sign_in(client, account, datetime.now(UTC))


@pytest.fixture
def employer_a(application: object, site: EmployerSite) -> Iterator[TestClient]:
    with _client(application, site.accounts["a"]) as client:
        yield client


@pytest.fixture
def employer_b(application: object, site: EmployerSite) -> Iterator[TestClient]:
    with _client(application, site.accounts["b"]) as client:
        yield client


def _upload(client: TestClient, site: EmployerSite, **overrides: str) -> tuple[object, int]:
    data, name, rows = list_with_bad_rows(site.workspace, site.employer)
    form = {**ATTESTATION, "csrf_token": csrf_of(client, "/employer/lists"), **overrides}
    answer = client.post(
        "/employer/lists?lang=en", data=form, files={"file": (name, data, "text/csv")}
    )
    return answer, rows


def _forecast(client: TestClient, epsilon: str = "1.0", **extra: str) -> object:
    token = csrf_of(client, "/employer/forecast")
    return client.post(
        "/employer/forecast?lang=en", data={"epsilon": epsilon, "csrf_token": token, **extra}
    )


def _cells(html: str, table: str) -> list[list[str]]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", r)] for r in rows
    ]


def test_only_employer_users_reach_the_portal(application: object, site: EmployerSite) -> None:
    anonymous = TestClient(application)  # type: ignore[arg-type]
    answer = anonymous.get("/employer", headers={"accept": "text/html"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=%2Femployer"
    assert anonymous.get("/api/v1/employer").status_code == 401
    with _client(application, site.accounts["member"]) as member:
        for path in (*PAGES, *APIS):
            assert member.get(path).status_code == 403, path


def test_an_upload_with_bad_rows_shows_each_error_by_line_column_and_rule(
    employer_a: TestClient, site: EmployerSite
) -> None:
    engine = open_ledger(site.workspace.ledger_url)
    with reading(engine, "the replay's intake of the same file") as conn:
        replayed = intakes_of(conn, site.employer)[0]
    answer, rows = _upload(employer_a, site)
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    html = answer.text  # type: ignore[attr-defined]
    errors = {
        (line, column, rule): words for line, column, rule, words in _cells(html, "row-errors")
    }
    # the file's own dirt, as the replay quarantined it, and the two rows added to it
    assert len(errors) == replayed.rows_quarantined + 2
    assert errors[(str(rows + 2), "entry_date", "bad_date:entry_date")] == (
        "not a date (use YYYY-MM-DD)"
    )
    assert errors[(str(rows + 3), "applicant_id", "missing_field:applicant_id")] == (
        "a required field is empty"
    )
    counts = dict(_cells(html, "quarantine-counts"))  # type: ignore[arg-type]
    assert sum(int(n) for n in counts.values()) == len(errors)
    assert int(counts["bad_date:entry_date"]) >= 1
    assert re.search(rf'id="rows-quarantined">{len(errors)}<', html)
    assert re.search(rf'id="rows-read">{rows + 2}<', html)
    with reading(engine, "check") as conn:
        latest = intakes_of(conn, site.employer)[-1]
        assert (latest.rows_read, latest.rows_quarantined) == (rows + 2, len(errors))
        stored = {(q.line, q.rule) for q in quarantine_of(conn, latest.intake_id)}
        assert {
            (rows + 2, "bad_date:entry_date"),
            (rows + 3, "missing_field:applicant_id"),
        } <= stored
        assert latest.confirmation_id > 0  # the attestation is the APPI Art. 30 record
    engine.dispose()
    japanese = employer_a.get("/employer/lists?lang=ja").text
    assert "応募者リスト" in japanese and "アップロードしたリスト" in japanese


def test_an_upload_without_the_attestation_or_the_token_is_refused_and_stores_nothing(
    employer_a: TestClient, site: EmployerSite
) -> None:
    engine = open_ledger(site.workspace.ledger_url)
    with reading(engine, "before") as conn:
        before = len(intakes_of(conn, site.employer))
    answer, _ = _upload(employer_a, site, obtained_how=" ")
    assert answer.status_code == 400  # type: ignore[attr-defined]
    assert "obtained_how" in answer.text and 'id="upload-error"' in answer.text  # type: ignore[attr-defined]
    data, name, _ = list_with_bad_rows(site.workspace, site.employer)
    forged = employer_a.post(
        "/employer/lists", data=ATTESTATION, files={"file": (name, data, "text/csv")}
    )
    assert forged.status_code == 403  # no anti-forgery token
    with reading(engine, "after") as conn:
        assert len(intakes_of(conn, site.employer)) == before
    engine.dispose()


def test_a_forecast_is_released_with_both_intervals_and_the_accuracy_in_words(
    employer_a: TestClient, site: EmployerSite
) -> None:
    engine = open_ledger(site.workspace.ledger_url)
    with reading(engine, "budget") as conn:
        before = budget(conn, site.employer, 2020)
    answer = _forecast(employer_a)
    html = answer.text  # type: ignore[attr-defined]
    assert answer.status_code == 200 and 'class="released"' in html, html  # type: ignore[attr-defined]
    low, high = map(int, re.search(r'id="interval-90">(\d+)–(\d+)<', html).groups())  # type: ignore[union-attr]
    low80, high80 = map(int, re.search(r'id="interval-80">(\d+)–(\d+)<', html).groups())  # type: ignore[union-attr]
    assert low <= low80 <= high80 <= high
    assert f"Plan with {low}–{high} acceptances" in html  # the accuracy, in words
    japanese = employer_a.get("/employer/releases?lang=ja").text
    assert f"承諾数は {low}〜{high} 人を前提に計画してください" in japanese
    with reading(engine, "budget") as conn:
        after = budget(conn, site.employer, 2020)
    assert after.spent == pytest.approx(before.spent + 1.0)
    assert f"ε = {after.remaining:.2f}" in html
    engine.dispose()


def test_a_refusal_says_why_in_words_and_spends_nothing(
    application: object, site: EmployerSite
) -> None:
    with _client(application, site.accounts["none"]) as client:
        english = _forecast(client).text  # type: ignore[attr-defined]
        assert "You have not uploaded an applicant/offer list for this season yet." in english
        assert (
            'class="refused"' in english and "APPI" not in english.split("refusal-words")[1][:300]
        )
        japanese = client.get("/employer/releases?lang=ja").text
        assert "今シーズンの応募者・内定者リストがまだアップロードされていません。" in japanese
        out_of_range = client.post(
            "/api/v1/employer/forecasts", json={"epsilon": 50},
            headers={"x-csrf-token": csrf_of(client, "/employer/forecast")},
        ).json()  # fmt: skip
        assert out_of_range["released"] is False and out_of_range["figures"] is None
        assert "outside the range" in out_of_range["words"]["en"]
        standing = client.get("/api/v1/employer").json()
    assert standing["employer"] == NO_LIST and standing["budget"]["epsilon_spent"] == 0.0


def test_a_receipt_downloads_and_verifies_offline(
    employer_a: TestClient, site: EmployerSite, tmp_path: Path
) -> None:
    released = employer_a.post(
        "/api/v1/employer/forecasts", json={"epsilon": 0.5},
        headers={"x-csrf-token": csrf_of(employer_a, "/employer/forecast")},
    ).json()  # fmt: skip
    assert released["released"] is True
    decision = released["release_id"].removeprefix("dec-")
    answer = employer_a.get(f"/employer/releases/{decision}/receipt")
    assert answer.status_code == 200
    assert (
        answer.headers["content-disposition"] == f'attachment; filename="dec-{decision}.tlog-proof"'
    )
    verifier = load_or_create_log_signer(site.workspace.keys_dir).verifier
    check = verify_receipt(answer.text, verifier)
    assert check.valid and check.record is not None and check.index == released["log_index"]
    assert check.record.ref == released["release_id"]
    assert check.record.body["employer"] == site.employer
    receipt = tmp_path / "receipt.tlog-proof"
    receipt.write_text(answer.text, encoding="utf-8")
    offline = CliRunner().invoke(
        cli, ["log", "verify-receipt", str(receipt), "--key", verifier.encode()]
    )
    assert offline.exit_code == 0, offline.output
    tampered = answer.text.replace(f"index {check.index}", f"index {check.index + 1}")
    assert not verify_receipt(tampered, verifier).valid


def test_employer_b_sees_nothing_of_employer_a(
    employer_a: TestClient, employer_b: TestClient, site: EmployerSite
) -> None:
    mine = _forecast(employer_a).text  # type: ignore[attr-defined]
    release = re.search(r'id="release-id">(dec-\d+)<', mine).group(1)  # type: ignore[union-attr]
    decision = release.removeprefix("dec-")
    for path in PAGES:
        page = employer_b.get(path).text
        assert site.employer not in page and release not in page, path
    listed = employer_b.get("/api/v1/employer/releases").json()
    assert release not in {r["release_id"] for r in listed}
    assert employer_b.get(f"/employer/releases/{decision}/receipt").status_code == 400
    assert employer_b.get(f"/api/v1/employer/releases/{decision}/receipt").status_code == 400
    # naming A in the request changes nothing: the portal speaks for the account's employer
    named = employer_b.get("/api/v1/employer", params={"employer": site.employer}).json()
    assert named["employer"] == site.other
    theirs = _forecast(employer_b, employer=site.employer).text  # type: ignore[attr-defined]
    assert site.other in theirs and site.employer not in theirs
    assert release in employer_a.get("/employer/releases").text


def test_the_api_needs_the_anti_forgery_token_with_a_session_and_none_with_a_bearer(
    application: object, site: EmployerSite
) -> None:
    with _client(application, site.accounts["a"]) as session:
        forged = session.post("/api/v1/employer/forecasts", json={"epsilon": 1.0})
        assert forged.status_code == 403 and forged.json()["code"] == "web.csrf_refused"
    scripts = TestClient(application)  # type: ignore[arg-type]
    token = scripts.post(
        "/api/v1/token", json={"login": site.accounts["a"].login, "password": PASSWORD}
    ).json()["token"]
    answer = scripts.post(
        "/api/v1/employer/forecasts", json={"epsilon": 0.1},
        headers={"authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert answer.status_code == 200 and answer.json()["service"] == "yield-forecast"


# --- nothing about a person ------------------------------------------------------------

# Keys of the portal's JSON answers whose integer values are public figures (counts of the
# employer's own upload, log positions, record ids, the season, interval ends).
PUBLIC_INT_KEYS = frozenset(
    {
        "season", "intake_id", "confirmation_id", "rows_read", "rows_accepted",
        "rows_quarantined", "line", "pool_offers", "forecast_interval", "interval_80",
        "log_index", "releases", "quarantined_by_rule", "repairs_by_kind",
    }
)  # fmt: skip
INT = re.compile(r"(?<![\w.,:+-])\d+(?![\w.,:])")
INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?"
    r"|\d{4}年\d{1,2}月\d{1,2}日(\(.\))?( \d{2}:\d{2})?"  # 2019年7月15日(月) 10:00
    r"|\d{1,2} [A-Z][a-z]{2} \d{4}(, \d{2}:\d{2})?"  # 15 Jul 2019, 10:00
)


def _ints(value: object, key: str = "") -> Iterator[tuple[str, int]]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _ints(v, key if key in ("quarantined_by_rule", "repairs_by_kind") else k)
    elif isinstance(value, list):
        for item in value:
            yield from _ints(item, key)


def _secrets_of_the_season(site: EmployerSite) -> tuple[set[int], set[str]]:
    """Every member id of the workspace, and the strings that identify a person: names,
    e-mail addresses, the pools' applicant keys and ids, quarantined cells' keyed hashes."""
    members = read_store_table(site.workspace, "members").to_pylist()
    ids = {int(m["member_id"]) for m in members}
    strings = {str(m[c]) for m in members for c in ("name_kanji", "name_kana", "email") if m[c]}
    data, _, _ = list_with_bad_rows(site.workspace, site.employer)
    text = data.decode("cp932", errors="ignore") if b"\x82" in data else data.decode("utf-8")
    strings |= {line.split(",")[0] for line in text.splitlines()[1:] if line.split(",")[0]}
    engine = open_ledger(site.workspace.ledger_url)
    with reading(engine, "pools") as conn:
        for intake in intakes_of(conn):
            pool = load_pool(conn, intake.employer, intake.season)
            strings |= {o.applicant_key for o in (pool.offers if pool else ())}
            for line in quarantine_of(conn, intake.intake_id):
                strings |= {c.removeprefix("hmac:") for c in line.cells if c.startswith("hmac:")}
    engine.dispose()
    return ids, {s for s in strings if len(s) >= 2}


LEAF_KEYS = {
    "decision_id",
    "request",
    "outcome",
    "reason",
    "employer",
    "service",
    "service_version",
    "season",
    "at",
    "citations",
    "figures_commitment",  # the figures themselves are not public (issue 27)
    "epsilon",
    "members",
}


# A picture's geometry (x="194" width="640"): the drawing's, not a figure; its <text> stays.
SVG_TAG = re.compile(r"<(?:svg|rect|line|circle|polyline|text|g)\b[^>]*>")


def _numbers(html: str) -> set[int]:
    return {int(n) for n in INT.findall(INSTANT.sub(" ", SVG_TAG.sub(" ", html)))}


def test_no_page_or_answer_of_the_portal_holds_anything_about_a_person(
    employer_a: TestClient, site: EmployerSite
) -> None:
    uploaded, _ = _upload(employer_a, site)
    released = _forecast(employer_a)
    pages = [uploaded.text, released.text]  # type: ignore[attr-defined]
    pages += [employer_a.get(f"{p}?lang={lang}").text for p in PAGES for lang in ("ja", "en")]
    answers = [employer_a.get(p).json() for p in APIS]
    receipts = []
    for past in answers[1]:
        receipt = employer_a.get(f"/api/v1/employer/releases/{past['release_id'][4:]}/receipt")
        leaf = json.loads(base64.b64decode(receipt.text.split("\n")[1].removeprefix("extra ")))
        assert set(leaf["body"]) <= LEAF_KEYS
        assert set(leaf["body"].get("members", {})) <= {"v", "salt", "root", "size"}
        receipts += [receipt.text, json.dumps(leaf, ensure_ascii=False)]
    ids, strings = _secrets_of_the_season(site)
    assert len(ids) > 1000 and len(strings) > 1000  # the search has something to find
    for body in [*pages, *receipts, *(json.dumps(a, ensure_ascii=False) for a in answers)]:
        found = sorted(s for s in strings if s in body)
        assert not found, found[:5]
        lowered = body.lower()
        assert "member_id" not in lowered and "p_model" not in lowered and "hmac:" not in lowered
    # JSON: a member id could hide only under a key that is not a public figure.
    for answer in answers:
        strays = [(k, v) for k, v in _ints(answer) if k not in PUBLIC_INT_KEYS]
        assert not strays, strays
    # Pages: every whole number shown is a public figure the API states too, a line number
    # of the employer's own file, or part of the page itself (what the page shows an
    # employer with no data at all); none is otherwise a member id.
    public = {v for a in answers for _, v in _ints(a)}
    public |= {int(n) for a in answers for n in INT.findall(json.dumps(a, ensure_ascii=False))}
    public |= {int(r["release_id"].removeprefix("dec-")) for r in answers[1]}  # record ids
    html = uploaded.text  # type: ignore[attr-defined]
    public |= {int(row[0]) for table in ("row-errors", "repairs") for row in _cells(html, table)}
    public |= {int(row[1]) for row in _cells(html, "quarantine-counts")}
    with _client(employer_a.app, site.accounts["none"]) as blank:
        for path in PAGES:
            public |= {
                n for lang in ("ja", "en") for n in _numbers(blank.get(f"{path}?lang={lang}").text)
            }
    for page in pages:
        unexplained = sorted((_numbers(page) & ids) - public)
        assert not unexplained, unexplained[:10]


def test_a_forecast_before_any_model_is_trained_is_not_ready_and_spends_nothing(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    from fairfollow.model.booster import CURRENT_POINTER
    from fairfollow.tlog import store as log_store

    site = employer_site(replayed_workspace, tmp_path / "ws")
    (site.workspace.models_dir / CURRENT_POINTER).unlink()  # as before `model train`
    engine = open_ledger(site.workspace.ledger_url)
    with reading(engine, "before") as conn:
        spent, leaves = budget(conn, site.employer, 2020).spent, log_store.tree_size(conn)
    with _client(create_app(site.settings), site.accounts["a"]) as client:
        page = _forecast(client)
        html = page.text  # type: ignore[attr-defined]
        assert page.status_code == 503 and 'id="not-ready"' in html  # type: ignore[attr-defined]
        assert "Nothing was used up" in html and str(site.workspace.root) not in html
        answer = client.post(
            "/api/v1/employer/forecasts", json={"epsilon": 1.0},
            headers={"x-csrf-token": csrf_of(client, "/employer/forecast")},
        )  # fmt: skip
        assert answer.status_code == 503 and answer.json()["error"] == "NotReadyError"
        assert "model train" not in answer.json()["message"]  # an operator's step, not theirs
    with reading(engine, "after") as conn:
        assert budget(conn, site.employer, 2020).spent == spent
        assert log_store.tree_size(conn) == leaves
    engine.dispose()
