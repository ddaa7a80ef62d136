"""Server-rendered SVG charts: bars scale to the largest value, text is escaped."""

from __future__ import annotations

import re

from fairfollow.web.charts import Bar, ReliabilityBin, bar_chart, reliability_diagram


def test_bars_scale_to_the_largest_value_and_escape_labels() -> None:
    svg = bar_chart([Bar("valid", 300), Bar("<refused>", 150), Bar("never", 0)], title="t&t")
    widths = [float(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="([\d.]+)"', svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    assert "&lt;refused&gt;" in svg and "<refused>" not in svg and "t&amp;t" in svg


def test_the_reliability_diagram_places_points_by_predicted_and_observed() -> None:
    svg = reliability_diagram(
        [ReliabilityBin(0.9, 0.8, 10), ReliabilityBin(0.1, 0.2, 40)], title="r", size=240
    )
    points = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    (x1, y1), (x2, y2) = ((float(a), float(b)) for a, b in points)
    assert x1 < x2 and y1 > y2  # sorted by predicted; a higher rate is drawn higher
