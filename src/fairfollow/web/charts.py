"""Charts rendered on the server as SVG (no script, no library from a CDN).

Each function takes plain values (labels already in the page's language) and returns an SVG
document as markup; text in it is escaped. Pages embed it inline, so charts work without
JavaScript; templates reach the newer ones as ``charts.<name>(…)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo
from html import escape
from typing import TYPE_CHECKING

from markupsafe import Markup

from fairfollow.instants import JST
from fairfollow.messages import formats
from fairfollow.release.view import ReleaseRecord

if TYPE_CHECKING:
    from fairfollow.events.history import IngestedFile
    from fairfollow.web.i18n import Localiser

BAR_COLOURS = ("#1e7a3c", "#b3261e", "#c77700", "#1f5fae", "#6b4fa3", "#5b6475", "#0f7b7b")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 760) -> str:
    """Horizontal bars, one per label, scaled to the largest value, each with its count."""
    row, left, right = 28, 380, 70
    height = row * len(bars) + 40
    top = max((b.value for b in bars), default=0) or 1
    span = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, bar in enumerate(bars):
        y = 20 + i * row
        length = span * bar.value / top
        colour = BAR_COLOURS[i % len(BAR_COLOURS)]
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="13">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{left}" y="{y}" width="{length:.1f}" height="{row - 8}" fill="{colour}">'
            f"<title>{escape(bar.label)}: {bar.value:g}</title></rect>"
            f'<text x="{left + length + 6:.1f}" y="{y + 15}" font-size="13">{bar.value:g}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class ReliabilityBin:
    predicted: float  # mean predicted probability in the bin
    observed: float  # observed rate in the bin
    count: int


def reliability_diagram(bins: Sequence[ReliabilityBin], *, title: str, size: int = 360) -> str:
    """Observed rate against mean predicted probability per bin, with the diagonal of
    perfect calibration; a point's area grows with its bin's count."""
    pad = 40
    plot = size - 2 * pad
    biggest = max((b.count for b in bins), default=1) or 1

    def x(v: float) -> float:
        return pad + plot * v

    def y(v: float) -> float:
        return size - pad - plot * v

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{size}" height="{size}" viewBox="0 0 {size} {size}">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{pad}" y="{pad}" width="{plot}" height="{plot}" fill="none" stroke="#d9dee7"/>',
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#5b6475" '
        'stroke-dasharray="4 4"/>',
    ]
    for tick in (0.0, 0.5, 1.0):
        parts.append(
            f'<text x="{x(tick)}" y="{size - pad + 16}" font-size="11" text-anchor="middle">'
            f"{tick:g}</text>"
            f'<text x="{pad - 6}" y="{y(tick) + 4}" font-size="11" text-anchor="end">'
            f"{tick:g}</text>"
        )
    points = sorted(bins, key=lambda b: b.predicted)
    if points:
        path = " ".join(f"{x(b.predicted):.1f},{y(b.observed):.1f}" for b in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5fae" stroke-width="2"/>')
    for b in points:
        radius = 3 + 6 * (b.count / biggest) ** 0.5
        parts.append(
            f'<circle cx="{x(b.predicted):.1f}" cy="{y(b.observed):.1f}" r="{radius:.1f}" '
            f'fill="#1f5fae"><title>{b.predicted:.2f} → {b.observed:.2f} '
            f"(n={b.count})</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Axes:
    """A plot area mapping data ranges onto an SVG box (for the planning pictures)."""

    width: int
    height: int
    x_max: float
    y_max: float
    pad: int = 48

    def x(self, v: float) -> float:
        return self.pad + (self.width - 2 * self.pad) * v / (self.x_max or 1)

    def y(self, v: float) -> float:
        return self.height - self.pad - (self.height - 2 * self.pad) * v / (self.y_max or 1)

    def frame(self, title: str, x_label: str, y_label: str) -> list[str]:
        w, h, p = self.width, self.height, self.pad
        return [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'width="{w}" height="{h}" viewBox="0 0 {w} {h}">',
            f"<title>{escape(title)}</title>",
            f'<rect x="{p}" y="{p}" width="{w - 2 * p}" height="{h - 2 * p}" fill="none" '
            'stroke="#d9dee7"/>',
            f'<text x="{w / 2:.0f}" y="{h - 8}" font-size="12" text-anchor="middle">'
            f"{escape(x_label)}</text>",
            f'<text x="12" y="{h / 2:.0f}" font-size="12" text-anchor="middle" '
            f'transform="rotate(-90 12 {h / 2:.0f})">{escape(y_label)}</text>',
            f'<text x="{p}" y="{h - p + 16}" font-size="11" text-anchor="middle">0</text>',
            f'<text x="{w - p}" y="{h - p + 16}" font-size="11" text-anchor="middle">'
            f"{self.x_max:g}</text>",
            f'<text x="{p - 6}" y="{p + 4}" font-size="11" text-anchor="end">{self.y_max:g}</text>',
        ]


def offers_chart(
    points: Sequence[tuple[int, int]],
    *,
    target: int,
    needed: int | None,
    own: int,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 320,
) -> str:
    """Acceptances reached with the stated probability against offers made (a step line),
    with the target (horizontal) and the employer's own list and the offers needed
    (vertical)."""
    x_max = max([m for m, _ in points] + [own, needed or 0, 1])
    y_max = max([r for _, r in points] + [target, 1])
    axes = Axes(width, height, x_max, y_max)
    parts = axes.frame(title, x_label, y_label)
    path = " ".join(f"{axes.x(m):.1f},{axes.y(r):.1f}" for m, r in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5fae" stroke-width="2"/>')
    parts.append(
        f'<line class="target" x1="{axes.x(0):.1f}" y1="{axes.y(target):.1f}" '
        f'x2="{axes.x(x_max):.1f}" y2="{axes.y(target):.1f}" stroke="#b3261e" '
        f'stroke-dasharray="4 4"><title>{target}</title></line>'
    )
    for cls, value, colour in (("own", own, "#5b6475"), ("needed", needed, "#1e7a3c")):
        if value is None:
            continue
        parts.append(
            f'<line class="{cls}" x1="{axes.x(value):.1f}" y1="{axes.y(0):.1f}" '
            f'x2="{axes.x(value):.1f}" y2="{axes.y(y_max):.1f}" stroke="{colour}">'
            f"<title>{value}</title></line>"
        )
    parts.append("</svg>")
    return "".join(parts)


def band_chart(
    expected: Sequence[float],
    lower: Sequence[int],
    upper: Sequence[int],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 320,
) -> str:
    """A cumulative curve by week with its interval as a shaded band."""
    weeks = len(expected)
    y_max = max([*upper, *expected, 1])
    axes = Axes(width, height, max(weeks, 1), y_max)
    parts = axes.frame(title, x_label, y_label)
    top = [f"{axes.x(k + 1):.1f},{axes.y(v):.1f}" for k, v in enumerate(upper)]
    bottom = [f"{axes.x(k + 1):.1f},{axes.y(v):.1f}" for k, v in enumerate(lower)]
    if top:
        band = " ".join(top + bottom[::-1])
        parts.append(f'<polygon class="band" points="{band}" fill="#1f5fae" opacity="0.18"/>')
    line = " ".join(f"{axes.x(k + 1):.1f},{axes.y(v):.1f}" for k, v in enumerate(expected))
    parts.append(f'<polyline points="{line}" fill="none" stroke="#1f5fae" stroke-width="2"/>')
    for k, (v, lo, hi) in enumerate(zip(expected, lower, upper, strict=True)):
        parts.append(
            f'<circle class="week" cx="{axes.x(k + 1):.1f}" cy="{axes.y(v):.1f}" r="3" '
            f'fill="#1f5fae"><title>{k + 1}: {v:g} ({lo}–{hi})</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, title: str) -> list[str]:
    """The SVG's opening: an image with an accessible name (screen readers read the title)."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{escape(title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
    ]


def gauge(spent: float, cap: float, *, title: str, spent_label: str, left_label: str) -> Markup:
    """A budget gauge: the share of the season's cap spent, and what is left, as one bar."""
    width, height, pad = 360, 56, 4
    share = 0.0 if cap <= 0 else min(max(spent / cap, 0.0), 1.0)
    used = (width - 2 * pad) * share
    parts = _open(width, height, title)
    parts.append(
        f'<rect x="{pad}" y="8" width="{width - 2 * pad}" height="22" rx="4" fill="#e3e8ef"/>'
        f'<rect class="spent" x="{pad}" y="8" width="{used:.1f}" height="22" rx="4" '
        f'fill="{"#b3261e" if share >= 0.9 else "#1f5fae"}"/>'
        f'<text x="{pad}" y="48" font-size="13">{escape(spent_label)}</text>'
        f'<text x="{width - pad}" y="48" font-size="13" text-anchor="end">'
        f"{escape(left_label)}</text></svg>"
    )
    return Markup("".join(parts))


@dataclass(frozen=True)
class Interval:
    """One release's forecast: its label (the date), the 90% and 80% ranges and the point."""

    label: str
    low90: float
    high90: float
    low80: float
    high80: float
    point: float


def interval_history(items: Sequence[Interval], *, title: str, width: int = 640) -> Markup:
    """Forecast intervals over releases, oldest on the left: a thin bar for the range that
    holds in 9 of 10 cases, a thick one for 8 of 10, a dot for the forecast."""
    height, left, bottom, top_pad = 220, 48, 44, 16
    top = max((i.high90 for i in items), default=1.0) or 1.0
    low = min((i.low90 for i in items), default=0.0)
    base = max(0.0, low - (top - low) * 0.2)
    plot_h = height - bottom - top_pad
    step = (width - left - 16) / max(len(items), 1)

    def y(v: float) -> float:
        return top_pad + plot_h * (1 - (v - base) / ((top - base) or 1))

    parts = _open(width, height, title)
    for tick in (low, top):  # only figures the release states, no invented numbers
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#d9dee7"/><text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" '
            f'text-anchor="end">{round(tick):,}</text>'
        )
    for n, item in enumerate(items):
        cx = left + step * (n + 0.5)
        parts.append(
            f'<g class="interval"><title>{escape(item.label)}: {item.low90:,.0f}–'
            f"{item.high90:,.0f} ({item.point:,.0f})</title>"
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(item.high90):.1f}" '
            f'y2="{y(item.low90):.1f}" stroke="#7d9cc9" stroke-width="4"/>'
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(item.high80):.1f}" '
            f'y2="{y(item.low80):.1f}" stroke="#1f5fae" stroke-width="10"/>'
            f'<circle cx="{cx:.1f}" cy="{y(item.point):.1f}" r="5" fill="#1d2330"/>'
            f'<text x="{cx:.1f}" y="{height - bottom + 18}" font-size="11" '
            f'text-anchor="middle">{escape(item.label)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Point:
    label: str  # the x label as people read it (a date)
    value: float


def trend(
    points: Sequence[Point], *, title: str, percent: bool = False, width: int = 640
) -> Markup:
    """A line over time (consent coverage, rows quarantined per file): one dot per point,
    labelled with its value; a share (``percent``) is drawn on a 0–100% axis."""
    height, left, bottom, top_pad = 200, 52, 40, 16
    top = 1.0 if percent else (max((p.value for p in points), default=0.0) or 1.0)
    plot_h = height - bottom - top_pad
    step = (width - left - 16) / max(len(points), 1)

    def y(v: float) -> float:
        return top_pad + plot_h * (1 - v / top)

    def shown(v: float) -> str:
        return f"{v * 100:.0f}%" if percent else f"{v:,.0f}"

    parts = _open(width, height, title)
    for tick in (0.0, top):
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="#d9dee7"/><text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" '
            f'text-anchor="end">{shown(tick)}</text>'
        )
    xy = [(left + step * (n + 0.5), y(p.value)) for n, p in enumerate(points)]
    if len(xy) > 1:
        path = " ".join(f"{a:.1f},{b:.1f}" for a, b in xy)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#1f5fae" stroke-width="2"/>')
    for (cx, cy), p in zip(xy, points, strict=True):
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#1f5fae">'
            f"<title>{escape(p.label)}: {shown(p.value)}</title></circle>"
            f'<text x="{cx:.1f}" y="{cy - 8:.1f}" font-size="11" text-anchor="middle">'
            f"{shown(p.value)}</text>"
            f'<text x="{cx:.1f}" y="{height - bottom + 18}" font-size="11" '
            f'text-anchor="middle">{escape(p.label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def ratios(bars: Sequence[Bar], *, title: str, line: float = 0.8, width: int = 640) -> Markup:
    """Ratios (0–1) as bars against a dashed line at ``line`` (the four-fifths rule's 0.8):
    a bar short of the line is drawn red."""
    row, left, right = 30, 200, 60
    height = row * len(bars) + 36
    span = width - left - right

    def x(v: float) -> float:
        return left + span * min(max(v, 0.0), 1.0)

    parts = _open(width, height, title)
    for i, bar in enumerate(bars):
        y0 = 10 + i * row
        colour = "#1e7a3c" if bar.value >= line else "#b3261e"
        parts.append(
            f'<text x="{left - 8}" y="{y0 + 15}" text-anchor="end" font-size="13">'
            f"{escape(bar.label)}</text>"
            f'<rect class="ratio" x="{left}" y="{y0}" width="{x(bar.value) - left:.1f}" '
            f'height="{row - 10}" fill="{colour}"><title>{escape(bar.label)}: '
            f"{bar.value:.2f}</title></rect>"
            f'<text x="{x(bar.value) + 6:.1f}" y="{y0 + 15}" font-size="13">{bar.value:.2f}</text>'
        )
    parts.append(
        f'<line class="threshold" x1="{x(line):.1f}" x2="{x(line):.1f}" y1="4" '
        f'y2="{height - 20}" stroke="#1d2330" stroke-dasharray="5 4"/>'
        f'<text x="{x(line):.1f}" y="{height - 6}" font-size="11" text-anchor="middle">'
        f"{line:g}</text></svg>"
    )
    return Markup("".join(parts))


def release_intervals(
    records: Sequence[ReleaseRecord], language: str, zone: tzinfo = JST
) -> list[Interval]:
    """The released forecasts of ``records`` (newest first, as pages list them), oldest
    first, each labelled with its day."""
    return [
        Interval(
            formats.day(r.at.astimezone(zone).date(), language),
            *r.figures.forecast_interval,
            *r.figures.interval_80,
            r.figures.expected_acceptances,
        )
        for r in reversed(records)
        if r.figures is not None
    ]


def quarantine_points(files: Sequence[IngestedFile], l10n: Localiser) -> list[Point]:
    """Rows quarantined per ingested file, oldest first, each labelled with its day."""
    ordered = sorted(files, key=lambda f: f.ingested_at)
    return [Point(l10n.day(f.ingested_at), float(f.rows_quarantined)) for f in ordered]
