"""The job seeker's portal ``/me``: what is held about me, my consents, who received my data,
my requests, my data to download — for the signed-in member only.

Every route is about ``principal.member_id`` of the authenticated caller; no route takes a
member id, and ids of releases, receipts or requests in a path are looked up among the
caller's own (:mod:`fairfollow.rights.portal`). Forms work without JavaScript; the "verify
in your browser" page checks the Merkle proofs again with ``static/provision.js``. The JSON
API under ``/api/v1/me/…`` (:mod:`fairfollow.web.member_api`) makes the same core calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from fairfollow.accounts.account import Principal
from fairfollow.accounts.actions import Action
from fairfollow.consent.choice import Choice
from fairfollow.consent.gpc import HEADER as GPC_HEADER
from fairfollow.consent.gpc import signal_of
from fairfollow.errors import AuthenticationError, InputError
from fairfollow.release.budget import PrivacyLimits
from fairfollow.rights import portal
from fairfollow.rights.aftermath import AfterErasure, after_erasure
from fairfollow.rights.desk import Desk
from fairfollow.rights.receipt import verify_member_receipt
from fairfollow.usecases.planning import own_odometer
from fairfollow.web import problems
from fairfollow.web.access import check_access
from fairfollow.web.context import AppContext, RowId, context_of
from fairfollow.web.i18n import N_
from fairfollow.web.session import bearer_of, principal_of

router = APIRouter(dependencies=[Depends(check_access)])
Context = Annotated[AppContext, Depends(context_of)]

ACCESS = {
    ("GET", "/me"): Action.MEMBER_READ,
    ("GET", "/me/consents"): Action.MEMBER_READ,
    ("POST", "/me/consents"): Action.MEMBER_CONSENT,
    ("GET", "/me/receipts"): Action.MEMBER_READ,
    ("GET", "/me/receipts/{event_id}"): Action.MEMBER_READ,
    ("GET", "/me/releases"): Action.MEMBER_READ,
    ("GET", "/me/releases/{decision_id}/proof"): Action.MEMBER_READ,
    ("GET", "/me/releases/{decision_id}/verify"): Action.MEMBER_READ,
    ("GET", "/me/data"): Action.MEMBER_READ,
}

# Words for the values the core keeps (categories of data, request statuses).
CATEGORY_LABELS = {
    "profile": N_("Profile fields (name, contact, university)"),
    "attributes": N_("Attributes kept only for the fairness audit"),
    "cookies": N_("Browser cookies linked to you"),
    "events": N_("Your actions on the site (views, entries)"),
    "partner_events": N_("Events from partner sites under your cookies"),
    "consent_decisions": N_("Your consent decisions"),
    "intake_matches": N_("Rows of employers' applicant lists that named you"),
    "provisions": N_("Provision records that name you"),
    "feature_rows": N_("Rows of model features built from your data"),
    "requests": N_("Your data-subject requests"),
}
ACTION_LABELS = {
    "grant": N_("granted"),
    "refuse": N_("refused"),
    "withdraw": N_("withdrawn"),
}
STATUS_LABELS = {
    "received": N_("received"),
    "verified": N_("verified, being handled"),
    "done": N_("done"),
    "refused": N_("refused"),
}


def me_of(request: Request) -> Principal:
    principal = principal_of(request)
    if principal is None:  # check_access already refused; kept for the type checker
        raise AuthenticationError("web.not_signed_in")
    return principal


def desk_of(ctx: AppContext) -> Desk:
    return Desk(ctx.workspace, ctx.ledger, ctx.settings, ctx.publisher)


def reading_desk_of(ctx: AppContext) -> Desk:
    """The desk for a call that only reads: on SQLite, a read on the writer engine takes the
    ledger's write lock (BEGIN IMMEDIATE), which concurrent page views would queue for."""
    return Desk(ctx.workspace, ctx.reader, ctx.settings, ctx.publisher)


def channel_of(request: Request) -> str:
    """How the caller signed in, for the identity check of a request they file."""
    return "bearer token" if bearer_of(request) is not None else "session cookie"


def gpc_of(request: Request) -> bool:
    """The browser's Global Privacy Control signal (``Sec-GPC: 1``)."""
    return signal_of(request.headers.get(GPC_HEADER))


def _lang(request: Request) -> str:
    language = request.query_params.get("lang")
    return f"lang={language}&" if language in ("ja", "en") else ""


def after_of(request: Request, ctx: AppContext) -> AfterErasure | None:
    """The member's completed erasure, which every page of the portal tells the same way."""
    return after_erasure(reading_desk_of(ctx), me_of(request))


def _page(
    request: Request,
    ctx: AppContext,
    template: str,
    facts: Mapping[str, object],
    *,
    after: AfterErasure | None,
    status: int = 200,
) -> Response:
    return ctx.pages.render(request, template, {**facts, "after": after}, status_code=status)


@router.get("/me", include_in_schema=False)
def home(request: Request, ctx: Context) -> Response:
    """What is held about me, by category, with counts."""
    held = portal.holdings(reading_desk_of(ctx), me_of(request))
    limits = PrivacyLimits.from_settings(ctx.settings)
    odometer = own_odometer(me_of(request), ctx.reader, limits)  # ε per season, recounted
    facts = {"held": held, "labels": CATEGORY_LABELS, "tab": "home", "odometer": odometer}
    return _page(request, ctx, "member_home.html", facts, after=after_of(request, ctx))


def _consents_page(
    request: Request, ctx: AppContext, *, error: str = "", status: int = 200
) -> Response:
    me = me_of(request)
    desk = desk_of(ctx)
    after = after_of(request, ctx)
    facts = {
        "gpc": portal.gpc_signal(desk, me, gpc_of(request), ctx.clock()),
        "standings": portal.consents(desk, me, ctx.clock()),
        "receipts": portal.receipts(desk, me),
        "actions": ACTION_LABELS,
        "changed": request.query_params.get("changed", ""),
        "choice": request.query_params.get("choice", ""),
        "error": error,
        "tab": "consents",
    }
    return _page(request, ctx, "member_consents.html", facts, after=after, status=status)


@router.get("/me/consents", include_in_schema=False)
def consents_page(request: Request, ctx: Context) -> Response:
    """For each purpose: valid or not and why, the screen and text I was shown, receipts."""
    return _consents_page(request, ctx)


@router.post("/me/consents", include_in_schema=False)
def choose(
    request: Request,
    ctx: Context,
    purpose: Annotated[str, Form(max_length=64)],
    choice: Annotated[Choice, Form()],
) -> Response:
    """Withdraw or grant again a consent, then back to the page (post/redirect/get)."""
    try:
        done = portal.choose(
            desk_of(ctx), me_of(request), purpose, choice, ctx.clock(), gpc=gpc_of(request)
        )
    except InputError as refused:
        return _consents_page(request, ctx, error=problems.sentence(request, refused), status=400)
    query = urlencode({"changed": done.event.purpose_key, "choice": choice.value})
    return RedirectResponse(f"/me/consents?{_lang(request)}{query}", status_code=303)


@router.get("/me/receipts", include_in_schema=False)
def receipts_download(request: Request, ctx: Context) -> Response:
    """All my signed consent receipts, one compact JWS a line (`consent verify-receipt`)."""
    me = me_of(request)
    found = portal.receipts(desk_of(ctx), me)
    return _download(
        portal.receipts_bundle(found), f"consent-receipts-{me.member_id}.jws", "application/jose"
    )


@router.get("/me/receipts/{event_id}", include_in_schema=False)
def receipt_download(request: Request, ctx: Context, event_id: RowId) -> Response:
    """One signed receipt (JWS); ``?format=json`` for the document it signs."""
    found = portal.receipt(desk_of(ctx), me_of(request), event_id)
    if request.query_params.get("format") == "json":
        return _download(portal.receipt_json(found), f"{found.receipt_id}.json", "application/json")
    return _download(f"{found.jws}\n", found.filename, "application/jose")


@router.get("/me/releases", include_in_schema=False)
def releases_page(request: Request, ctx: Context) -> Response:
    """Who received my data: every release from a list that named me."""
    found = portal.releases(desk_of(ctx), me_of(request))
    facts = {"releases": found, "tab": "releases"}
    return _page(request, ctx, "member_releases.html", facts, after=after_of(request, ctx))


@router.get("/me/releases/{decision_id}/proof", include_in_schema=False)
def proof_download(request: Request, ctx: Context, decision_id: RowId) -> Response:
    """My proof for one release, for `fairfollow log verify-receipt FILE --key KEY`."""
    if after_of(request, ctx) is not None:  # destroyed with the secret: the page says so
        return RedirectResponse(
            f"/me/releases/{decision_id}/verify?{_lang(request)}".rstrip("?&"), status_code=303
        )
    proof = portal.release_proof(desk_of(ctx), me_of(request), decision_id, ctx.clock())
    return _download(proof.text, proof.file_name, "application/json")


@router.get("/me/releases/{decision_id}/verify", include_in_schema=False)
def verify_page(request: Request, ctx: Context, decision_id: RowId) -> Response:
    """The proof checked on the server and again in the browser (``static/provision.js``)."""
    after = after_of(request, ctx)
    if after is not None:
        mine = {r.decision_id: r for r in portal.releases(desk_of(ctx), me_of(request))}
        destroyed: dict[str, object] = {
            "release": mine.get(decision_id),
            "decision_id": decision_id,
            "kept": after.kept_for(decision_id),
            "tab": "releases",
        }
        return _page(request, ctx, "member_proof_destroyed.html", destroyed, after=after)
    proof = portal.release_proof(desk_of(ctx), me_of(request), decision_id, ctx.clock())
    check = verify_member_receipt(proof.text, ctx.verifier)
    facts = {
        "proof": proof,
        "check": check,
        "key": ctx.verifier.encode(),
        "tab": "releases",
    }
    return _page(request, ctx, "member_verify.html", facts, after=None)


@router.get("/me/data", include_in_schema=False)
def data_download(request: Request, ctx: Context) -> Response:
    """Everything held about me (the disclosure export's data.json), to download."""
    me = me_of(request)
    now = ctx.clock()
    text = portal.export(desk_of(ctx), me, now)
    return _download(text, portal.export_name(me, now), "application/json")


def _download(text: str, name: str, media_type: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type=f"{media_type}; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )
