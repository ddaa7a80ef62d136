"""Charts rendered on the server as SVG (no script, no library from a CDN).

Each function takes plain values and returns an SVG document as markup; text in it is
escaped. Pages embed it inline (``{{ chart | safe }}``), so charts work without JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

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
