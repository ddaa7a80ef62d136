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
