"""Offer features: behaviour of a member around an offer, defined once with Ibis.

One row per offer (member, company, offered_at) at an as-of time T. Every input is cut
strictly before T (events, partner events, cookie links, offers), so changing or deleting
anything at or after T cannot change a feature; the simulator logs past decisions too.
The same expression runs on DuckDB (default) and on Apache Spark through Ibis's PySpark
backend; times are compared as epoch seconds so both engines agree.

Sensitive attributes (gender, university tier, region) are not among the inputs at all.
Partner-site browsing is used only from partners whose stated purposes, when the cookie
was collected, include the purpose the features serve (APPI Art. 18(1): no use beyond the
purpose; Art. 31 for personally referable information such as partner cookies).
Features read one employer's offers only: another client's offers never enter a member's
row (APPI Art. 27(5)(i); PPC FAQ Q7-43 — clients' data are kept apart).

The company-level aggregates (``company_popularity``, ``company_entries``,
``company_seminar_rate``) count the events of other members, so they rest on a purpose of
their own: ``statistics`` ("internal aggregate statistics", recipient class ``platform``).
Only members whose consent for it is valid at the build's as-of instant are counted (APPI
Art. 18(1), rule ``jp.use_limitation``: data without consent for the purpose is not read),
and each member counts for at most :data:`AGGREGATE_CLIP` events of a kind per company.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from fairfollow.errors import ModelError
from fairfollow.law.packs import rule

# The purpose whose consent and stated purposes govern the data the features read.
FEATURE_PURPOSE = "employer_forecast"
# The purpose the company-level aggregates rest on, and the rule that makes it a filter.
AGGREGATE_PURPOSE = "statistics"
AGGREGATE_RULE = "jp.use_limitation"
# Per member, company and kind, at most this many events count in the company aggregates
# (about the 99th percentile of page views per member and company on a simulated season;
# an entry or a booking counts once): no one member can make a company look popular.
AGGREGATE_CLIP: Mapping[str, int] = {"page_view": 20, "entry": 1, "seminar_booking": 1}
KEY_COLUMNS = ("offer_id", "member_id", "company_id", "industry_id", "season")
DAY_S = 86_400.0


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    description: str


_BEHAVIOUR: tuple[FeatureSpec, ...] = (
    FeatureSpec("views_before", "page views before the offer"),
    FeatureSpec("views_after", "page views from the offer to the as-of time"),
    FeatureSpec("views_per_day_after", "page views per day since the offer"),
    FeatureSpec("logins_after", "logins since the offer"),
    FeatureSpec("company_views_before", "views of the offering company's pages before the offer"),
    FeatureSpec("company_views_after", "views of the offering company's pages since the offer"),
    FeatureSpec("company_dwell_after", "seconds spent on the offering company's pages since"),
    FeatureSpec("company_view_share_after", "share of views since the offer on the company"),
    FeatureSpec("other_company_views_after", "views of other companies since the offer"),
    FeatureSpec("industry_views_before", "views in the offering company's industry, before"),
    FeatureSpec("industry_views_after", "views in the offering company's industry, since"),
    FeatureSpec("industry_view_share", "share of industry-attributed views in its industry"),
    FeatureSpec("entries_total", "entries made"),
    FeatureSpec("entries_after", "entries made since the offer (still searching)"),
    FeatureSpec("entries_industry", "entries to companies of the offering industry"),
    FeatureSpec("seminars_total", "seminar bookings"),
    FeatureSpec("seminars_after", "seminar bookings since the offer"),
    FeatureSpec("company_seminars", "seminar bookings with the offering company"),
    FeatureSpec("offer_reports_other", "offers from other companies the member reported"),
    FeatureSpec("offer_reports_other_industry", "reported offers from the same industry"),
    FeatureSpec("offer_reported", "whether the member reported this offer (0/1)"),
    FeatureSpec("days_since_offer", "days from the offer to the as-of time"),
    FeatureSpec("days_since_last_event", "days since the member's last event"),
    FeatureSpec("days_since_company_view", "days since the last view of the company"),
    FeatureSpec("mobile_share", "share of events on a smartphone or the app"),
)
_EMPLOYER: tuple[FeatureSpec, ...] = (
    FeatureSpec("company_popularity", "log share of all members' company-page views on it"),
    FeatureSpec("company_entries", "log share of all members' entries that went to it"),
    FeatureSpec("company_seminar_rate", "seminar bookings per entry at the company"),
    FeatureSpec("offer_industry", "industry of the offering company (categorical)"),
)
_PARTNER: tuple[FeatureSpec, ...] = (
    FeatureSpec("partner_views", "partner-site views of the member's linked cookies"),
    FeatureSpec("partner_views_after", "partner-site views since the offer"),
    FeatureSpec("partner_industry_share", "share of partner views in the offering industry"),
)
CATEGORICAL = ("offer_industry",)


def feature_specs(with_partner: bool) -> tuple[FeatureSpec, ...]:
    """The features in output order; partner features only where partner data may be used."""
    return _BEHAVIOUR + _EMPLOYER + (_PARTNER if with_partner else ())


@dataclass(frozen=True)
class PartnerDecision:
    partner_id: str
    stated_purposes: tuple[str, ...]
    allowed: bool
    reason: str


def partner_decisions(partner_sources: pa.Table, purpose: str) -> tuple[PartnerDecision, ...]:
    """Which partners' data the features may read: those whose stated purposes include it."""
    decisions = []
    for row in partner_sources.select(["partner_id", "stated_purposes"]).to_pylist():
        stated = tuple(p.strip() for p in str(row["stated_purposes"] or "").split(";") if p.strip())
        allowed = purpose in stated
        reason = (
            f"stated purposes include {purpose}"
            if allowed
            else f"collected for {', '.join(stated) or 'no stated purpose'} only; "
            f"use for {purpose} would exceed the purpose (APPI Art. 18(1))"
        )
        decisions.append(PartnerDecision(str(row["partner_id"]), stated, allowed, reason))
    return tuple(sorted(decisions, key=lambda d: d.partner_id))


# Members whose consent for a purpose is valid at an instant: ``(purpose, at) → member ids``
# (the consent ledger's verdict, :func:`fairfollow.consent.coverage.consented_members`).
ConsentedMembers = Callable[[str, datetime], Collection[int]]


@dataclass(frozen=True)
class AggregateBasis:
    """Whose events the company aggregates counted: members with valid consent for
    ``purpose`` at ``at``, each clipped to :data:`AGGREGATE_CLIP`."""

    purpose: str
    at: datetime
    members: int
    citation: str

    @classmethod
    def of(cls, at: datetime, members: int) -> AggregateBasis:
        return cls(AGGREGATE_PURPOSE, at, members, rule(AGGREGATE_RULE).citation)


@dataclass(frozen=True)
class FeatureTables:
    """The Ibis tables the features read, all on one backend (``aggregate_members``: one
    ``member_id`` column, the members whose events the company aggregates may count)."""

    events: ir.Table
    companies: ir.Table
    offers: ir.Table
    partner_events: ir.Table
    cookie_links: ir.Table
    aggregate_members: ir.Table


def _count(column: ir.Column, where: ir.BooleanValue) -> ir.IntegerScalar:
    return column.count(where=where)


def _seconds(ts: ir.TimestampValue) -> ir.IntegerValue:
    # Truncate first: DuckDB's epoch is fractional (and rounds when cast), Spark's truncates.
    return ts.truncate("s").epoch_seconds().cast("int64")


# Float literals must be typed: Spark SQL reads a bare 86400.0 as DECIMAL and rounds.
_DOUBLE_DAY = ibis.literal(DAY_S, type="float64")
_DOUBLE_ONE = ibis.literal(1.0, type="float64")


def _days(seconds: ir.IntegerValue) -> ir.FloatingValue:
    return seconds.cast("float64") / _DOUBLE_DAY


def _ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    ratio = numerator.cast("float64") / denominator.cast("float64")
    return ibis.ifelse(denominator > 0, ratio, ibis.literal(0.0, type="float64"))


def feature_expression(
    tables: FeatureTables,
    *,
    season: int,
    as_of: datetime,
    partners: tuple[str, ...],
    company_season: int | None = None,
    company_as_of: datetime | None = None,
) -> ir.Table:
    """The feature table of ``season``'s offers at ``as_of``; ``partners`` may be read.

    Company-level aggregates (``company_popularity``, ``company_entries``,
    ``company_seminar_rate``) come from ``company_season``'s events before
    ``company_as_of`` — the previous season for a season whose forecasts are released, so
    that no member of the released season feeds another member's features (the release's
    sensitivity argument, :mod:`fairfollow.release.statistic`). Left out, they come from
    ``season`` itself (a training season with no season before it).
    """
    if as_of.tzinfo is None or (company_as_of is not None and company_as_of.tzinfo is None):
        raise ModelError("model.as_of_naive")
    cut = ibis.literal(as_of.astimezone(UTC), type="timestamp('UTC')")
    cut_s = int(as_of.timestamp())
    companies = tables.companies.select("company_id", c_industry="industry_id")

    raw_offers = tables.offers
    offers = raw_offers.filter(raw_offers.season == season, raw_offers.offered_at < cut)
    offers = offers.join(companies, offers.company_id == companies.company_id).select(
        "offer_id",
        "member_id",
        "offered_at",
        o_company=offers.company_id,
        o_industry=companies.c_industry,
    )

    raw_events = tables.events
    events = raw_events.filter(raw_events.season == season, raw_events.ts < cut).select(
        "member_id",
        "ts",
        kind=raw_events.event_type,
        e_company=raw_events.company_id,
        page_industry=raw_events.industry_id,
        mobile=raw_events.device != "pc",
        dwell=raw_events.dwell_s,
    )

    # Offer holders' events first, then the company lookup: fewer rows through each step.
    # Time comparisons stay on timestamps; only aggregated times become seconds.
    held = events.join(offers, "member_id")
    j = held.left_join(companies, held.e_company == companies.company_id)
    j = j.select(*held.columns, e_industry=j.page_industry.fill_null(j.c_industry))
    # Two-level aggregation: first count events per offer and combination of flags (a few
    # dozen cells per offer), then add the cells up; the many filtered sums then run over
    # cells instead of events. Counts, sums and maxima add up exactly.
    e_company = j.e_company
    flags = j.select(
        "offer_id",
        "ts",
        "dwell",
        kind=j.kind,
        after=j.ts >= j.offered_at,
        sc=(e_company == j.o_company).fill_null(False),
        si=(j.e_industry == j.o_industry).fill_null(False),
        oc=e_company.notnull() & ~(e_company == j.o_company).fill_null(False),
        mobile=j.mobile.fill_null(False),
        attributed=j.e_industry.notnull(),
    )
    c = flags.group_by(["offer_id", "kind", "after", "sc", "si", "oc", "mobile", "attributed"])
    c = c.aggregate(n=flags.ts.count(), last=flags.ts.max(), dwell=flags.dwell.sum())
    after, view = c.after, c.kind == "page_view"

    def count(where: ir.BooleanValue) -> ir.IntegerScalar:
        return c.n.sum(where=where)

    behaviour = c.group_by("offer_id").aggregate(
        views_before=count(view & ~after),
        views_after=count(view & after),
        logins_after=count((c.kind == "login") & after),
        company_views_before=count(view & c.sc & ~after),
        company_views_after=count(view & c.sc & after),
        company_dwell_after=c.dwell.sum(where=view & c.sc & after),
        other_company_views_after=count(view & c.oc & after),
        industry_views_before=count(view & c.si & ~after),
        industry_views_after=count(view & c.si & after),
        attributed_views=count(view & c.attributed),
        entries_total=count(c.kind == "entry"),
        entries_after=count((c.kind == "entry") & after),
        entries_industry=count((c.kind == "entry") & c.si),
        seminars_total=count(c.kind == "seminar_booking"),
        seminars_after=count((c.kind == "seminar_booking") & after),
        company_seminars=count((c.kind == "seminar_booking") & c.sc),
        offer_reports_other=count((c.kind == "offer_report") & c.oc),
        offer_reports_other_industry=count((c.kind == "offer_report") & c.oc & c.si),
        offer_reported=count((c.kind == "offer_report") & c.sc),
        last_event=c.last.max(),
        last_company_view=c.last.max(where=view & c.sc),
        mobile_events=count(c.mobile),
        events_total=c.n.sum(),
    )

    per_company = _company_counts(
        events
        if company_season is None
        else _earlier_events(raw_events, company_season, company_as_of or as_of),
        tables.aggregate_members,
    )
    # Shares, not counts: seasons' logs span different lengths before their as-of times.
    per_company = per_company.mutate(
        view_share=(per_company.all_views + 1) / (per_company.all_views.sum().over() + 1),
        entry_share=(per_company.all_entries + 1) / (per_company.all_entries.sum().over() + 1),
    )
    b = offers.left_join(behaviour, offers.offer_id == behaviour.offer_id)
    b = b.left_join(per_company, b.o_company == per_company.e_company)
    days_since_offer = _days(cut_s - _seconds(b.offered_at))
    views_after = b.views_after.fill_null(0)
    columns: dict[str, ir.Value] = {
        "offer_id": b.offer_id,
        "member_id": b.member_id,
        "company_id": b.o_company,
        "industry_id": b.o_industry,
        "season": ibis.literal(season, type="int16"),
    }
    for spec in _BEHAVIOUR:
        if spec.name in behaviour.columns:
            columns[spec.name] = b[spec.name].fill_null(0).cast("float64")
    columns.update(
        views_per_day_after=views_after.cast("float64")
        / ibis.greatest(days_since_offer, _DOUBLE_ONE),
        company_view_share_after=_ratio(b.company_views_after.fill_null(0), views_after),
        industry_view_share=_ratio(
            b.industry_views_before.fill_null(0) + b.industry_views_after.fill_null(0),
            b.attributed_views.fill_null(0),
        ),
        days_since_offer=days_since_offer,
        days_since_last_event=_days(cut_s - _seconds(b.last_event)),
        days_since_company_view=_days(cut_s - _seconds(b.last_company_view)),
        mobile_share=_ratio(b.mobile_events.fill_null(0), b.events_total.fill_null(0)),
        company_popularity=b.view_share.cast("float64").ln(),
        company_entries=b.entry_share.cast("float64").ln(),
        company_seminar_rate=_ratio(b.all_seminars.fill_null(0), b.all_entries.fill_null(0)),
        offer_industry=b.o_industry.cast("float64"),
    )
    result = b.select(**columns)
    if partners:
        result = _with_partner(result, offers, tables, season=season, cut=cut, partners=partners)
    names = list(KEY_COLUMNS) + [s.name for s in feature_specs(bool(partners))]
    return result.select(*names).order_by("offer_id")


def _earlier_events(raw_events: ir.Table, season: int, as_of: datetime) -> ir.Table:
    """``season``'s events before ``as_of``, in the columns the company counts read."""
    cut = ibis.literal(as_of.astimezone(UTC), type="timestamp('UTC')")
    earlier = raw_events.filter(raw_events.season == season, raw_events.ts < cut)
    return earlier.select("member_id", "ts", kind=earlier.event_type, e_company=earlier.company_id)


def _company_counts(events: ir.Table, members: ir.Table) -> ir.Table:
    """Page views, entries and seminar bookings per company, of consenting members only,
    each member's count of a kind at a company clipped to :data:`AGGREGATE_CLIP`."""
    allowed = members.select(a_member="member_id")
    on_company = events.filter(events.e_company.notnull()).semi_join(
        allowed, events.member_id == allowed.a_member
    )
    cells = on_company.group_by(["member_id", "e_company", "kind"]).aggregate(
        n=on_company.ts.count()
    )
    cap = ibis.cases(
        *((cells.kind == kind, ibis.literal(limit, type="int64")) for kind, limit in
          AGGREGATE_CLIP.items()),
        else_=ibis.literal(0, type="int64"),
    )  # fmt: skip
    cells = cells.mutate(n=ibis.least(cells.n.cast("int64"), cap))

    def total(kind: str) -> ir.IntegerValue:
        return cells.n.sum(where=cells.kind == kind).fill_null(0)

    return cells.group_by("e_company").aggregate(
        all_views=total("page_view"),
        all_entries=total("entry"),
        all_seminars=total("seminar_booking"),
    )


def _with_partner(
    result: ir.Table,
    offers: ir.Table,
    tables: FeatureTables,
    *,
    season: int,
    cut: ir.TimestampValue,
    partners: tuple[str, ...],
) -> ir.Table:
    """Partner-site views of the member's cookies linked before the as-of time."""
    pe = tables.partner_events
    pe = pe.filter(pe.season == season, pe.ts < cut, pe.partner_id.isin(partners))
    links = tables.cookie_links.filter(tables.cookie_links.linked_at < cut)
    linked = pe.join(links, pe.cookie_id == links.cookie_id).select(
        p_member=links.member_id, p_ts=pe.ts, p_industry=pe.industry_id
    )
    j = linked.join(offers, linked.p_member == offers.member_id)
    agg = j.group_by("offer_id").aggregate(
        partner_views=j.p_ts.count(),
        partner_views_after=_count(j.p_ts, j.p_ts >= j.offered_at),
        partner_industry=_count(j.p_ts, (j.p_industry == j.o_industry).fill_null(False)),
    )
    joined = result.left_join(agg, result.offer_id == agg.offer_id)
    views = joined.partner_views.fill_null(0)
    return joined.select(
        *result.columns,
        partner_views=views.cast("float64"),
        partner_views_after=joined.partner_views_after.fill_null(0).cast("float64"),
        partner_industry_share=_ratio(joined.partner_industry.fill_null(0), views),
    )
