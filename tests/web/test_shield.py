"""Every response carries the security headers; no request body is read past its cap."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fairfollow.web.app import create_app
from fairfollow.web.shield import FORM_FRAMING, SMALL_BODY, Shield
from tests.web.site import served_workspace

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return create_app(served_workspace(tmp_path / "ws", rounds=1))


def _check(headers: Any, where: str) -> None:
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (where, name)
    policy = headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, where
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
    assert "camera=()" in headers.get("permissions-policy", ""), where


def test_every_route_answers_with_the_security_headers(app: FastAPI) -> None:
    client = TestClient(app)
    walked = 0
    for method, path in app.state.access:
        concrete = re.sub(r"{[^}]+}", "0", path)
        if path == "/static":
            concrete = "/static/fairfollow.css"
        answer = client.request(method, concrete, follow_redirects=False)
        _check(answer.headers, f"{method} {path} → {answer.status_code}")
        assert "strict-transport-security" not in answer.headers  # plain HTTP: no HSTS
        walked += 1
    assert walked == len(app.state.access)
    _check(client.get("/no-such-page").headers, "404")


def test_tls_adds_hsts_and_a_signed_in_answer_is_not_stored(app: FastAPI) -> None:
    client = TestClient(app, base_url="https://testserver")
    answer = client.get("/log")
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    assert "no-store" not in answer.headers.get("cache-control", "")
    refused = client.get("/api/v1/me", headers={"authorization": "Bearer fft_nothing"})
    assert refused.headers["cache-control"] == "no-store"


class _Body:
    """An ASGI receive that hands out a body in chunks and counts what was read."""

    def __init__(self, chunk: int, chunks: int) -> None:
        self.chunk, self.left, self.read = chunk, chunks, 0

    async def __call__(self) -> dict[str, Any]:
        self.left -= 1
        self.read += self.chunk
        return {"type": "http.request", "body": b"x" * self.chunk, "more_body": self.left > 0}


def _call(shield: Shield, path: str, headers: list[tuple[bytes, bytes]], body: _Body) -> int:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": headers,
             "query_string": b"", "scheme": "http"}  # fmt: skip
    asyncio.run(shield(scope, body, send))
    return int(sent[0]["status"])


async def _reads_everything(scope: Any, receive: Any, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    shield = Shield(_reads_everything, upload_bytes=20 * 1024 * 1024)
    body = _Body(1024 * 1024, 200)  # a 200 MiB upload, announced
    length = str(200 * 1024 * 1024).encode()
    assert _call(shield, "/api/v1/employer/lists", [(b"content-length", length)], body) == 413
    assert body.read == 0
    small = _Body(1024, 1)
    assert _call(shield, "/api/v1/employer/lists", [(b"content-length", b"1024")], small) == 200


def test_a_body_without_a_length_is_cut_off_once_it_crosses_the_cap() -> None:
    shield = Shield(_reads_everything, upload_bytes=20 * 1024 * 1024)
    body = _Body(1024 * 1024, 200)
    assert _call(shield, "/api/v1/employer/lists", [], body) == 413
    assert body.read <= 20 * 1024 * 1024 + FORM_FRAMING + 1024 * 1024
    form = _Body(64 * 1024, 100)  # 6.4 MiB to a route that takes no file
    assert _call(shield, "/login", [], form) == 413
    assert form.read <= SMALL_BODY + 64 * 1024


def test_the_refusal_is_worded_in_the_callers_language(app: FastAPI) -> None:
    client = TestClient(app)
    big = b"x" * (SMALL_BODY + 1)
    answer = client.post("/login", content=big, headers={"accept-language": "ja"})
    assert answer.status_code == 413 and answer.json()["code"] == "web.body_too_large"
    assert "大きすぎます" in answer.json()["message"]
    _check(answer.headers, "413")
