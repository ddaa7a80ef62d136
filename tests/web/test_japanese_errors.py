"""In Japanese, every error and refusal a person can meet is worded in Japanese.

The core returns codes and values; the web words them from the message catalogue in the
visitor's language. This walks the error paths a student, an HR officer and a privacy officer
meet — a wrong password, a file that is not a list, a prohibited column, a malformed
correction, the activation gate, and the 401/403/404/409/422 answers — with Japanese as the
visitor's language, and fails on any English sentence in what they are shown (citations and
identifiers such as file names, versions and screen ids may stay as they are).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fairfollow.web.app import create_app
from tests.web.consoles import staff_site
from tests.web.employer_site import ATTESTATION, employer_site, list_with_bad_rows
from tests.web.site import PASSWORD, csrf_of, sign_in
from tests.web.test_privacy import draft_v3_on_one_screen

JA = {"accept-language": "ja"}
# Four English words in a row make a sentence; one or two (a command, a file name) do not.
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]{2,}(?:[ ,'’:-]+[A-Za-z]{2,}){3,}")
# What may stand in Latin letters inside a Japanese sentence: commands and citations.
ALLOWED = re.compile(r"`[^`]*`|fairfollow [a-z -]+|APPI Art\.[^;）)]*|GDPR Art\.[^;）)]*")


def english_in(text: str) -> list[str]:
    return ENGLISH_SENTENCE.findall(ALLOWED.sub(" ", text))


def shown_message(answer: object) -> str:
    body = answer.json()  # type: ignore[attr-defined]
    assert isinstance(body, dict) and body.get("code"), body
    message = body["message"]
    assert isinstance(message, str) and message
    return message


def _token(client: TestClient, login: str) -> dict[str, str]:
    answer = client.post("/api/v1/token", json={"login": login, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"authorization": f"Bearer {answer.json()['token']}", **JA}


def test_employer_and_member_errors_are_japanese(replayed_workspace: Path, tmp_path: Path) -> None:
    site = employer_site(replayed_workspace, tmp_path / "ws")
    client = TestClient(create_app(site.settings))
    seen: dict[str, str] = {}

    wrong = client.post(
        "/api/v1/token",
        json={"login": site.accounts["a"].login, "password": "not the password"},
        headers=JA,
    )
    assert wrong.status_code == 401
    seen["wrong password"] = shown_message(wrong)
    unknown = client.post(
        "/api/v1/token", json={"login": "nobody-here", "password": PASSWORD}, headers=JA
    )
    assert unknown.status_code == 401 and unknown.json()["code"] == wrong.json()["code"]

    employer = _token(client, site.accounts["a"].login)
    not_a_list = client.post(
        "/api/v1/employer/lists",
        data=ATTESTATION,
        files={"file": ("E0001.csv", b"\x00\x01\x02 not a list \xff\xfe", "text/csv")},
        headers=employer,
    )
    assert not_a_list.status_code == 400
    seen["a file that is not a list"] = shown_message(not_a_list)

    data, name, _ = list_with_bad_rows(site.workspace, site.employer)
    lines = data.decode("utf-8", errors="replace").splitlines()
    prohibited = "\n".join([lines[0] + ",本籍地", *(line + ",東京都" for line in lines[1:3])])
    refused = client.post(
        "/api/v1/employer/lists",
        data=ATTESTATION,
        files={"file": (name, prohibited.encode("utf-8"), "text/csv")},
        headers=employer,
    )
    assert refused.status_code == 400 and refused.json()["code"] == "intake.prohibited_item"
    seen["a prohibited column"] = shown_message(refused)
    assert "本籍地" in seen["a prohibited column"] and "職業安定法" in seen["a prohibited column"]

    seen["no account"] = shown_message(client.get("/api/v1/employer", headers=JA))
    seen["another role's page"] = shown_message(client.get("/api/v1/audit", headers=employer))
    seen["no such receipt"] = shown_message(
        client.get("/api/v1/employer/releases/999999/receipt", headers=employer)
    )
    seen["a malformed request"] = shown_message(
        client.post("/api/v1/employer/forecasts", json={"epsilon": "lots"}, headers=employer)
    )
    seen["no such page"] = shown_message(client.get("/api/v1/no-such-thing", headers=JA))

    member = _token(client, site.accounts["member"].login)
    correction = client.post(
        "/api/v1/me/requests",
        json={"kind": "correction", "fields": {"religion": "none"}},
        headers=member,
    )
    assert correction.status_code == 400
    seen["a malformed correction"] = shown_message(correction)

    found = {what: english_in(text) for what, text in seen.items() if english_in(text)}
    assert not found, found
    assert all(re.search(r"[ぁ-んァ-ヶ一-龠]", text) for text in seen.values()), seen


def test_the_activation_gate_and_a_conflict_are_japanese(
    replayed_workspace: Path, tmp_path: Path
) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    draft_v3_on_one_screen(settings)
    client = TestClient(create_app(settings), headers={"accept": "text/html", **JA})
    sign_in(client, accounts["privacy_officer"], datetime.now(UTC))
    token = csrf_of(client, "/privacy")
    refused = client.post("/privacy/policy/activate", data={"version": "v3", "csrf_token": token})
    assert refused.status_code == 409
    reasons = re.findall(r"<li>(.*?)</li>", refused.text.split('id="activation-result"')[1])
    assert reasons and any("v3" in r for r in reasons)
    assert not [r for r in reasons if english_in(r)], reasons

    forced = client.post(
        "/privacy/policy/activate",
        data={"version": "v3", "force": "1", "csrf_token": token},
    )
    assert forced.status_code == 409
    problem = re.findall(r'class="problem"[^>]*>(.*?)</p>', forced.text, re.S)
    for text in problem:
        assert not english_in(re.sub(r"<[^>]+>", " ", text)), text


@pytest.mark.parametrize("path", ["/privacy/requests", "/audit"])
def test_a_refused_page_is_japanese(replayed_workspace: Path, tmp_path: Path, path: str) -> None:
    settings, accounts = staff_site(replayed_workspace, tmp_path)
    client = TestClient(create_app(settings), headers={"accept": "text/html", **JA})
    sign_in(client, accounts["reviewer"], datetime.now(UTC))
    page = client.get(path)
    assert page.status_code == 403
    problem = re.search(r'class="problem"[^>]*>(.*?)</p>', page.text, re.S)
    assert problem is not None
    text = re.sub(r"<[^>]+>", " ", problem.group(1))
    assert not english_in(text), text
