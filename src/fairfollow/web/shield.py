"""What every response carries and what no request may exceed, for every route at once.

One ASGI middleware, outermost in the application, so that an error page, a static file and
a refusal get the same protection as a page:

- **Security headers** on every response: a Content-Security-Policy without
  ``unsafe-inline`` (pages load scripts and styles only from ``/static``; the JSON a page
  embeds is ``type="application/json"``, which never runs), ``frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY`` (no framing, so no clickjacking of a consent or a veto),
  ``nosniff``, ``Referrer-Policy: no-referrer`` (a member's page URL never leaks to another
  site), a Permissions-Policy that turns off what FairFollow never uses, and HSTS when the
  request came over TLS (``scheme`` is https, directly or through a trusted proxy). A
  response about a signed-in caller that says nothing of caching is ``no-store``.
- **Body limits enforced while reading**: a request whose ``Content-Length`` is over the cap is
  refused with 413 before any byte of the body is read; one without a length (chunked) is
  cut off as soon as it crosses the cap. Uploads (employer lists) may be as large as the
  intake cap plus the form's framing; everything else is small. Nothing is spooled to disk
  first, with or without an account.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request

from fairfollow.messages import catalogue
from fairfollow.web.i18n import negotiate

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
# A multipart form wraps the file in boundaries and headers: room for them above the cap.
FORM_FRAMING = 64 * 1024
# Bodies of everything that is not an upload: forms and JSON of a few fields.
SMALL_BODY = 256 * 1024


class BodyTooLarge(Exception):
    """Raised inside ``receive`` once a body crosses its cap (never reaches a route)."""


def upload_paths() -> frozenset[str]:
    """The routes that take a file: the employer's list, by page and by API."""
    return frozenset({"/employer/lists", "/api/v1/employer/lists"})


class Shield:
    """The middleware: headers on every response, body caps on every request."""

    def __init__(self, app: ASGIApp, *, upload_bytes: int) -> None:
        self.app = app
        self.upload_cap = upload_bytes + FORM_FRAMING
        self.uploads = upload_paths()

    def cap_for(self, path: str) -> int:
        return self.upload_cap if path in self.uploads else SMALL_BODY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.cap_for(str(scope.get("path", "")))
        headers = dict(scope.get("headers") or [])
        signed_in = b"authorization" in headers or b"ff_session" in headers.get(b"cookie", b"")
        secure = scope.get("scheme") == "https"
        started = False

        async def send_protected(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in HEADERS if h[0] not in present]
                if secure:
                    extra.append(HSTS)
                if signed_in and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            await self._too_large(scope, send_protected, cap)
            return
        seen = 0

        async def receive_capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, receive_capped, send_protected)
        except BodyTooLarge:
            if started:  # the route already answered: nothing more can be said
                return
            await self._too_large(scope, send_protected, cap)

    @staticmethod
    async def _too_large(scope: Scope, send: Send, cap: int) -> None:
        # Connection: close, because the rest of the body is never read.
        language = negotiate(Request(scope))
        body = json.dumps(
            {
                "error": "BodyTooLarge",
                "code": "web.body_too_large",
                "message": catalogue.text("web.body_too_large", language, limit_bytes=cap),
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
