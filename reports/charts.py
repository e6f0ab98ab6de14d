"""Small server-side SVG charts: bar (grouped or stacked) and line.

The output is a self-contained `<svg role="img">` with a `<title>` and `<desc>` for
screen readers, a `<title>` on every mark (hover shows the number), axes with a few
round ticks, and a legend. The palette keeps at least 3:1 contrast against white
(WCAG 1.4.11 for graphics); the numbers are always in a table next to the chart too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Dark, distinct hues (after ColorBrewer's dark schemes); each is >= 3:1 on white.
PALETTE = (
    "#1d4e89",  # blue
    "#b35806",  # orange
    "#1b7837",  # green
    "#762a83",  # purple
    "#b3261e",  # red
    "#01665e",  # teal
    "#8c510a",  # brown
    "#4d4d4d",  # grey
)
INK = "#1b2430"
GRID = "#d8dee6"

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP = 56, 16, 36
LEGEND_ROW = 20
ROTATED_CHARS = 18  # longer category labels are cut (the full label is the tooltip)
ROTATED_PX_PER_CHAR = 4.7  # 12 px text at -45°: vertical room one character takes


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def nice_ticks(maximum: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round tick values from 0 to at least `maximum` (steps of 1, 2 or 5 × 10^n);
    `whole` keeps the steps whole numbers (for counts)."""
    if maximum <= 0:
        return [0, 1]
    raw_step = max(maximum / count, 1) if whole else maximum / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    top = math.ceil(maximum / step) * step
    return [round(i * step, 10) for i in range(int(round(top / step)) + 1)]


def _fmt(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.2f}".replace(",", "\u202f")


def _legend_height(series: Sequence[Series]) -> int:
    return 0 if len(series) < 2 else LEGEND_ROW * len(_legend_rows(series))


def _legend_rows(series: Sequence[Series]) -> list[list[tuple[int, Series]]]:
    rows: list[list[tuple[int, Series]]] = [[]]
    used = LEFT
    for index, item in enumerate(series):
        width = 22 + 7 * len(item.name) + 16
        if rows[-1] and used + width > WIDTH - RIGHT:
            rows.append([])
            used = LEFT
        rows[-1].append((index, item))
        used += width
    return rows


class _Canvas:
    """Plot geometry shared by the chart kinds: value axis, category slots, labels."""

    def __init__(self, *, chart_id: str, title: str, description: str,
                 categories: Sequence[str], series: Sequence[Series], maximum: float,
                 y_label: str) -> None:
        self.chart_id, self.categories, self.series = chart_id, list(categories), list(series)
        self.rotate = len(self.categories) > 8
        longest = min(max((len(c) for c in self.categories), default=0), ROTATED_CHARS)
        labels = 20 + longest * ROTATED_PX_PER_CHAR if self.rotate else 34
        self.bottom = int(labels) + _legend_height(series)
        self.plot_w = WIDTH - LEFT - RIGHT
        self.plot_h = HEIGHT - TOP - self.bottom
        whole = all(float(value).is_integer() for line in series for value in line.values)
        self.ticks = nice_ticks(maximum, whole=whole)
        self.top_value = self.ticks[-1]
        self.parts: list[str] = [
            f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="12" fill="{INK}">',
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
            f'<text x="{LEFT}" y="18" font-size="14" font-weight="600" aria-hidden="true">'
            f'{escape(title)}</text>',
        ]
        self._axes(y_label)

    def y(self, value: float) -> float:
        return TOP + self.plot_h - (value / self.top_value) * self.plot_h

    def slot(self, index: int) -> tuple[float, float]:
        """Left edge and width of the category's slot on the x axis."""
        width = self.plot_w / max(len(self.categories), 1)
        return LEFT + index * width, width

    def _axes(self, y_label: str) -> None:
        for tick in self.ticks:
            y = self.y(tick)
            self.parts.append(
                f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{GRID}"/>'
                f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>')
        if y_label:
            self.parts.append(
                f'<text x="12" y="{TOP + self.plot_h / 2:.1f}" text-anchor="middle" '
                f'transform="rotate(-90 12 {TOP + self.plot_h / 2:.1f})">{escape(y_label)}</text>')
        base = TOP + self.plot_h
        self.parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" '
                          f'stroke="{INK}"/>')
        for index, label in enumerate(self.categories):
            left, width = self.slot(index)
            x = left + width / 2
            if self.rotate:
                shown = label if len(label) <= ROTATED_CHARS else label[:ROTATED_CHARS - 1] + "…"
                self.parts.append(
                    f'<text x="{x:.1f}" y="{base + 12}" text-anchor="end" '
                    f'transform="rotate(-45 {x:.1f} {base + 12})"><title>{escape(label)}</title>'
                    f'{escape(shown)}</text>')
            else:
                self.parts.append(
                    f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle">'
                    f'{escape(label)}</text>')

    def legend(self) -> None:
        if len(self.series) < 2:
            return
        y = HEIGHT - _legend_height(self.series) + 4
        for row in _legend_rows(self.series):
            x = LEFT
            for index, item in row:
                colour = PALETTE[index % len(PALETTE)]
                self.parts.append(
                    f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>'
                    f'<text x="{x + 20}" y="{y + 11}">{escape(item.name)}</text>')
                x += 22 + 7 * len(item.name) + 16
            y += LEGEND_ROW

    def render(self) -> SafeString:
        self.legend()
        self.parts.append("</svg>")
        return mark_safe("".join(self.parts))  # noqa: S308 - every text above is escaped


def _empty(chart_id: str, title: str, message: str) -> SafeString:
    return mark_safe(  # noqa: S308 - escaped
        f'<svg class="chart" viewBox="0 0 {WIDTH} 60" role="img" '
        f'aria-labelledby="{chart_id}-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<text x="{WIDTH / 2}" y="34" text-anchor="middle" fill="{INK}">{escape(message)}'
        f'</text></svg>')


def bar_chart(*, chart_id: str, title: str, description: str, categories: Sequence[str],
              series: Sequence[Series], stacked: bool = False, y_label: str = "",
              empty_message: str = "No data") -> SafeString:
    """Bars per category: one series, several side by side, or `stacked`."""
    if not categories or not series:
        return _empty(chart_id, title, empty_message)
    if stacked:
        maximum = max(sum(s.values[i] for s in series) for i in range(len(categories)))
    else:
        maximum = max(max(s.values) for s in series)
    canvas = _Canvas(chart_id=chart_id, title=title, description=description,
                     categories=categories, series=series, maximum=maximum, y_label=y_label)
    for index, category in enumerate(categories):
        left, width = canvas.slot(index)
        inner = width * 0.7
        start = left + (width - inner) / 2
        stack_base = 0.0
        for number, item in enumerate(series):
            value = item.values[index]
            colour = PALETTE[number % len(PALETTE)]
            if stacked:
                x, bar_w = start, inner
                y_top, y_bottom = canvas.y(stack_base + value), canvas.y(stack_base)
                stack_base += value
            else:
                bar_w = inner / len(series)
                x = start + number * bar_w
                y_top, y_bottom = canvas.y(value), canvas.y(0)
            label = f"{category} · {item.name}: {_fmt(value)}" if len(series) > 1 else \
                f"{category}: {_fmt(value)}"
            canvas.parts.append(
                f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" '
                f'height="{max(y_bottom - y_top, 0):.1f}" fill="{colour}" stroke="#fff" '
                f'stroke-width="0.5"><title>{escape(label)}</title></rect>')
    return canvas.render()


def line_chart(*, chart_id: str, title: str, description: str, categories: Sequence[str],
               series: Sequence[Series], y_label: str = "",
               empty_message: str = "No data") -> SafeString:
    """One line per series across the categories (e.g. months), with a dot per point."""
    if not categories or not series:
        return _empty(chart_id, title, empty_message)
    maximum = max(max(s.values) for s in series)
    canvas = _Canvas(chart_id=chart_id, title=title, description=description,
                     categories=categories, series=series, maximum=maximum, y_label=y_label)
    dashes = ("", ' stroke-dasharray="6 3"', ' stroke-dasharray="2 3"')
    for number, item in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = []
        for index, value in enumerate(item.values):
            left, width = canvas.slot(index)
            points.append((left + width / 2, canvas.y(value), categories[index], value))
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _c, _v in points)
        canvas.parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                            f'stroke-width="2"{dashes[number % len(dashes)]}/>')
        for x, y, category, value in points:
            canvas.parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f'<title>{escape(f"{category} · {item.name}: {_fmt(value)}")}</title></circle>')
    return canvas.render()
