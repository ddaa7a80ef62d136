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


def test_the_gauge_fills_the_share_of_the_cap_spent() -> None:
    from fairfollow.web.charts import gauge

    half = gauge(2.0, 4.0, title="b", spent_label="spent", left_label="left")
    full = gauge(9.0, 4.0, title="b", spent_label="spent", left_label="left")
    spent = re.compile(r'class="spent" x="4" y="8" width="([\d.]+)"')
    assert float(spent.findall(full)[0]) == 2 * float(spent.findall(half)[0])  # capped at 1
    assert 'aria-label="b"' in half


def test_ratios_below_the_line_are_red_and_the_line_sits_at_0_8() -> None:
    from fairfollow.web.charts import ratios

    svg = ratios([Bar("gender", 0.9), Bar("region", 0.5)], title="r", width=460)
    fills = re.findall(r'class="ratio"[^>]*fill="(#\w+)"', svg)
    assert fills == ["#1e7a3c", "#b3261e"]
    x = float(re.findall(r'class="threshold" x1="([\d.]+)"', svg)[0])
    assert x == 200 + 200 * 0.8  # left margin + 0.8 of the span


def test_interval_history_draws_one_range_per_release_and_no_invented_ticks() -> None:
    from fairfollow.web.charts import Interval, interval_history

    svg = interval_history(
        [Interval("1", 90, 130, 95, 125, 110), Interval("2", 100, 140, 105, 135, 120)],
        title="h",
    )
    assert svg.count('class="interval"') == 2
    ticks = re.findall(r'text-anchor="end">([\d,]+)</text>', svg)
    assert ticks == ["90", "140"]  # the lowest and highest stated figures only


def test_a_trend_as_a_share_is_drawn_on_a_percent_axis() -> None:
    from fairfollow.web.charts import Point, trend

    svg = trend([Point("a", 0.25), Point("b", 0.5)], title="c", percent=True)
    assert ">25%<" in svg and ">50%<" in svg and ">100%<" in svg
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert ys[0] > ys[1]
