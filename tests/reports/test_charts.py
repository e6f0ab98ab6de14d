"""The SVG chart module: accessible markup, one mark per number, safe labels, contrast."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest

from reports.charts import PALETTE, Series, bar_chart, line_chart, nice_ticks


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("colour", PALETTE)
def test_every_colour_has_3_to_1_contrast_on_white(colour):
    assert (1.05) / (_luminance(colour) + 0.05) >= 3


@pytest.mark.parametrize(("maximum", "ticks"), [
    (0, [0, 1]), (7, [0, 2, 4, 6, 8]), (10, [0, 2, 4, 6, 8, 10]), (130, [0, 50, 100, 150]),
])
def test_nice_ticks(maximum, ticks):
    assert nice_ticks(maximum) == ticks


def test_stacked_bar_chart_is_accessible_and_draws_each_number():
    svg = bar_chart(chart_id="c1", title="Cases", description="Cases per month",
                    categories=["2026-01", "2026-02"],
                    series=[Series("fault", [3, 0]), Series("lost", [1, 2])], stacked=True)

    wide, narrow = svg.split('<svg class="chart chart-narrow"')
    assert wide.startswith('<svg class="chart chart-wide"') and 'role="img"' in wide
    assert 'aria-labelledby="c1-title c1-desc"' in wide
    assert '<title id="c1-title">Cases</title>' in wide
    assert '<desc id="c1-desc">Cases per month</desc>' in wide
    for chart in (wide, narrow):  # the phone layout draws the same numbers
        marks = re.findall(r"<rect [^>]*><title>([^<]*)</title>", chart)
        assert marks == ["2026-01 · fault: 3", "2026-01 · lost: 1", "2026-02 · fault: 0",
                         "2026-02 · lost: 2"]
        assert ">fault</text>" in chart and ">lost</text>" in chart  # the legend
    assert 'aria-labelledby="c1-narrow-title c1-narrow-desc"' in narrow


def test_stacked_bars_are_as_tall_as_their_total():
    svg = bar_chart(chart_id="c", title="t", description="d", categories=["a", "b"],
                    series=[Series("x", [2, 4]), Series("y", [2, 0])], stacked=True)
    heights = [float(h) for h in re.findall(r'<rect x="[^"]+" y="[^"]+" width="[^"]+" '
                                            r'height="([^"]+)" fill', svg)]
    # a: 2 + 2, b: 4 + 0 → equal stacks
    assert heights[0] + heights[1] == pytest.approx(heights[2] + heights[3], abs=0.2)


def test_labels_are_escaped():
    svg = line_chart(chart_id="c", title="<script>", description="d", categories=["<b>"],
                     series=[Series("a&b", [1])])

    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg and "a&amp;b" in svg


def test_line_chart_has_a_point_per_value():
    svg = line_chart(chart_id="c", title="t", description="d", categories=["1", "2", "3"],
                     series=[Series("opened", [1, 5, 2]), Series("closed", [0, 2, 4])])

    wide, narrow = svg.split('<svg class="chart chart-narrow"')
    for chart in (wide, narrow):  # the phone layout draws the same points
        assert chart.count("<polyline") == 2 and chart.count("<circle") == 6


def test_line_chart_on_a_phone_shows_labels_that_fit_and_a_wrapped_legend():
    months = [f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(24)]
    names = ["zgłoszenia otwarte", "zgłoszenia zamknięte", "przedłużenia ważności"]
    svg = line_chart(chart_id="trend", title="Otwarte i zamknięte zgłoszenia w miesiącach",
                     description="d", categories=months,
                     series=[Series(name, list(range(24))) for name in names])
    narrow = svg.split('<svg class="chart chart-narrow"')[1]
    labels = [month for month in months if f">{month}</text>" in narrow]
    assert 3 <= len(labels) <= 6 and labels[0] == "2025-01" and labels[-1] == "2026-12"
    month_label = r'<text x="([\d.]+)" y="[\d.]+" text-anchor="\w+">20\d\d-'
    xs = [float(x) for x in re.findall(month_label, narrow)]
    assert all(b - a >= 7 * 6.6 for a, b in pairwise(xs))  # labels never touch
    legend_ys = {y for y, name in re.findall(r'<text x="[\d.]+" y="([\d.]+)">([^<]+)</text>',
                                             narrow) if name in names}
    assert len(legend_ys) >= 2  # three long names do not fit one row at 360 px
    legend_xs = [float(x) for x in re.findall(r'<rect x="([\d.]+)"', narrow)]
    assert max(legend_xs) < 360
    assert narrow.count("<circle") == 72 and 'viewBox="0 0 360 ' in narrow
    ticks = re.findall(r'text-anchor="end">(\d+)</text>', narrow)
    assert 3 <= len(ticks) <= 6


def test_empty_chart_says_so():
    svg = bar_chart(chart_id="c", title="t", description="d", categories=[], series=[],
                    empty_message="Nothing here")

    assert "Nothing here" in svg and 'role="img"' in svg


def test_counts_axis_has_whole_steps():
    assert nice_ticks(1, whole=True) == [0, 1]
    assert nice_ticks(3, whole=True) == [0, 1, 2, 3]
    assert nice_ticks(1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]  # amounts may have fractions
    svg = bar_chart(chart_id="c", title="t", description="d", categories=["a"],
                    series=[Series("s", [1])], y_label="cases", empty_message="none")
    assert ">0.2<" not in svg and ">1<" in svg


def test_long_category_labels_wrap_instead_of_overlapping():
    grounds = ["ostateczne skreślenie z listy studentów",
               "ukończenie studiów drugiego stopnia lub jednolitych magisterskich",
               "zakończenie kształcenia w szkole doktorskiej", "ustanie zatrudnienia"]
    svg = bar_chart(chart_id="g", title="Unieważnienia według podstawy", description="d",
                    categories=grounds, series=[Series("n", [5, 3, 1, 2])])
    wide, narrow = svg.split('<svg class="chart chart-narrow"')

    slot_chars = int((640 - 56 - 16) / len(grounds) / 6.6)
    lines = re.findall(r"<tspan [^>]*>([^<]*)</tspan>", wide)
    assert lines and all(len(line) <= slot_chars for line in lines)
    assert "ustanie zatrudnienia" in " ".join(lines)
    for ground in grounds:  # the full label stays: tooltip on wide, text on the phone
        assert f"<title>{ground}</title>" in wide
    assert "zakończenie kształcenia w szkole doktorskiej" in narrow
