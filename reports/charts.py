"""Small server-side SVG charts: bar (grouped or stacked) and line.

The output is a self-contained `<svg role="img">` with a `<title>` and `<desc>` for
screen readers, a `<title>` on every mark (hover shows the number), axes with a few
round ticks, and a legend. The palette keeps at least 3:1 contrast against white
(WCAG 1.4.11 for graphics); the numbers are always in a table next to the chart too.
"""

from __future__ import annotations

import math
import textwrap
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
PX_PER_CHAR = 6.6  # 12 px text: width of an average character
WRAPPED_LINES = 3  # category labels under bars wrap onto at most this many lines
NARROW_WIDTH = 360  # the horizontal layout shown on phones, drawn at about 1:1
NARROW_LABEL_CHARS = 52


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


def wrap_label(label: str, width: int, max_lines: int) -> list[str]:
    """The label on lines of at most `width` characters, broken at spaces; the last line
    ends with "…" when it does not fit (the full label stays in the mark's tooltip)."""
    lines = textwrap.wrap(label, width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:max(width - 1, 1)].rstrip() + "…"
    return lines


def _legend_height(series: Sequence[Series], left: int = 56, width: int = 640) -> int:
    return 0 if len(series) < 2 else LEGEND_ROW * len(_legend_rows(series, left, width))


def _legend_rows(series: Sequence[Series], left: int = 56,
                 width: int = 640) -> list[list[tuple[int, Series]]]:
    rows: list[list[tuple[int, Series]]] = [[]]
    used = left
    for index, item in enumerate(series):
        item_width = 22 + 7 * len(item.name) + 16
        if rows[-1] and used + item_width > width - RIGHT:
            rows.append([])
            used = left
        rows[-1].append((index, item))
        used += item_width
    return rows


def _legend(series: Sequence[Series], *, left: int, top: float, width: int) -> list[str]:
    parts = []
    y = top
    for row in _legend_rows(series, left, width):
        x = left
        for index, item in row:
            colour = PALETTE[index % len(PALETTE)]
            parts.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>'
                         f'<text x="{x + 20}" y="{y + 11}">{escape(item.name)}</text>')
            x += 22 + 7 * len(item.name) + 16
        y += LEGEND_ROW
    return parts


class _Canvas:
    """Plot geometry shared by the chart kinds: value axis, category slots, labels."""

    def __init__(self, *, chart_id: str, title: str, description: str,
                 categories: Sequence[str], series: Sequence[Series], maximum: float,
                 y_label: str) -> None:
        self.chart_id, self.categories, self.series = chart_id, list(categories), list(series)
        self.rotate = len(self.categories) > 8
        longest = min(max((len(c) for c in self.categories), default=0), ROTATED_CHARS)
        slot = self.plot_width() / max(len(self.categories), 1)
        wrapped = max((len(wrap_label(c, max(int(slot / PX_PER_CHAR), 4), WRAPPED_LINES))
                       for c in self.categories), default=1)
        labels = 20 + longest * ROTATED_PX_PER_CHAR if self.rotate else 20 + 14 * wrapped
        self.bottom = int(labels) + _legend_height(series)
        self.plot_w = WIDTH - LEFT - RIGHT
        self.plot_h = HEIGHT - TOP - self.bottom
        whole = all(float(value).is_integer() for line in series for value in line.values)
        self.ticks = nice_ticks(maximum, whole=whole)
        self.top_value = self.ticks[-1]
        self.parts: list[str] = [
            f'<svg class="chart chart-wide" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="12" fill="{INK}">',
            f'<title id="{chart_id}-title">{escape(title)}</title>',
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
            f'<text x="{LEFT}" y="18" font-size="14" font-weight="600" aria-hidden="true">'
            f'{escape(title)}</text>',
        ]
        self._axes(y_label)

    @staticmethod
    def plot_width() -> int:
        return WIDTH - LEFT - RIGHT

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
                lines = wrap_label(label, max(int(width / PX_PER_CHAR), 4), WRAPPED_LINES)
                spans = "".join(
                    f'<tspan x="{x:.1f}" dy="{0 if n == 0 else 14}">{escape(line)}</tspan>'
                    for n, line in enumerate(lines))
                self.parts.append(
                    f'<text x="{x:.1f}" y="{base + 16}" text-anchor="middle">'
                    f'<title>{escape(label)}</title>{spans}</text>')

    def legend(self) -> None:
        if len(self.series) < 2:
            return
        self.parts += _legend(self.series, left=LEFT, width=WIDTH,
                              top=HEIGHT - _legend_height(self.series) + 4)

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
    return mark_safe(canvas.render() + _horizontal_bars(  # noqa: S308 - escaped inside
        chart_id=chart_id, title=title, description=description, categories=categories,
        series=series, stacked=stacked, maximum=maximum))


def _narrow_title(title: str) -> list[str]:
    """The phone layout's title, one <text> per wrapped line."""
    return [f'<text x="8" y="{20 + 18 * n}" font-size="14" font-weight="600" '
            f'aria-hidden="true">{escape(line)}</text>'
            for n, line in enumerate(wrap_label(title, NARROW_LABEL_CHARS - 8, 3))]


def _narrow_svg(chart_id: str, title: str, description: str, height: int,
                parts: list[str]) -> str:
    narrow_id = f"{chart_id}-narrow"
    return (f'<svg class="chart chart-narrow" viewBox="0 0 {NARROW_WIDTH} {height}" '
            f'role="img" aria-labelledby="{narrow_id}-title {narrow_id}-desc" '
            f'xmlns="http://www.w3.org/2000/svg" font-size="12" fill="{INK}">'
            f'<title id="{narrow_id}-title">{escape(title)}</title>'
            f'<desc id="{narrow_id}-desc">{escape(description)}</desc>'
            + "".join(parts) + "</svg>")


def _horizontal_bars(*, chart_id: str, title: str, description: str,
                     categories: Sequence[str], series: Sequence[Series], stacked: bool,
                     maximum: float) -> str:
    """The same bars laid out across a phone screen: each category's label in full above
    its bar(s), the number at the bar's end. CSS shows it instead of the wide chart."""
    left, value_room = 8, 44
    bar_h = 14 if stacked or len(series) == 1 else 9
    top_value = nice_ticks(maximum)[-1] or 1
    span = NARROW_WIDTH - left - RIGHT - value_room
    parts = _narrow_title(title)
    y = 8.0 + 18 * len(parts)
    if len(series) > 1:
        parts += _legend(series, left=left, top=y, width=NARROW_WIDTH)
        y += _legend_height(series, left, NARROW_WIDTH) + 6
    for index, category in enumerate(categories):
        for line in wrap_label(category, NARROW_LABEL_CHARS, 2):
            y += 15
            parts.append(f'<text x="{left}" y="{y:.1f}">{escape(line)}</text>')
        y += 5
        offset = 0.0
        rows = [series] if stacked else [[item] for item in series]
        for row in rows:
            for item in row:
                number = series.index(item)
                value = item.values[index]
                width = span * value / top_value
                label = (f"{category} · {item.name}: {_fmt(value)}" if len(series) > 1
                         else f"{category}: {_fmt(value)}")
                parts.append(
                    f'<rect x="{left + offset:.1f}" y="{y:.1f}" width="{width:.1f}" '
                    f'height="{bar_h}" fill="{PALETTE[number % len(PALETTE)]}" stroke="#fff" '
                    f'stroke-width="0.5"><title>{escape(label)}</title></rect>')
                offset += width if stacked else 0
            total = sum(item.values[index] for item in row)
            end = left + span * total / top_value + 4
            parts.append(f'<text x="{end:.1f}" y="{y + bar_h - 2:.1f}">{_fmt(total)}</text>')
            offset = 0.0
            y += bar_h + 3
        y += 6
    height = int(y + 8)
    return _narrow_svg(chart_id, title, description, height, parts)


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
    return mark_safe(canvas.render() + _narrow_lines(  # noqa: S308 - escaped inside
        chart_id=chart_id, title=title, description=description, categories=categories,
        series=series, maximum=maximum))


NARROW_PLOT_HEIGHT = 180
NARROW_LEFT = 44  # room for the value ticks
NARROW_TICKS = 4


def label_step(count: int, longest: int, room: float) -> int:
    """Show every n-th category label so that labels of `longest` characters fit `room`
    pixels side by side with a gap (the first and the last are always shown)."""
    fitting = max(int(room / ((longest + 2) * PX_PER_CHAR)), 2)
    return max(math.ceil((count - 1) / (fitting - 1)), 1) if count > fitting else 1


def _narrow_lines(*, chart_id: str, title: str, description: str, categories: Sequence[str],
                  series: Sequence[Series], maximum: float) -> str:
    """The line chart drawn for a phone, at about 1:1: the title and the legend wrapped
    above the plot, four value ticks, and only as many category labels as fit side by
    side. CSS shows it instead of the wide chart."""
    left, right = NARROW_LEFT, 12
    parts = _narrow_title(title)
    y = 8.0 + 18 * len(parts)
    if len(series) > 1:
        parts += _legend(series, left=8, top=y, width=NARROW_WIDTH)
        y += _legend_height(series, 8, NARROW_WIDTH)
    top = y + 12
    whole = all(float(value).is_integer() for line in series for value in line.values)
    ticks = nice_ticks(maximum, NARROW_TICKS, whole=whole)
    span_x = NARROW_WIDTH - left - right
    step_x = span_x / max(len(categories) - 1, 1)

    def point(index: int, value: float) -> tuple[float, float]:
        x = left + (index * step_x if len(categories) > 1 else span_x / 2)
        return x, top + NARROW_PLOT_HEIGHT * (1 - value / ticks[-1])

    for tick in ticks:
        tick_y = point(0, tick)[1]
        parts.append(f'<line x1="{left}" x2="{NARROW_WIDTH - right}" y1="{tick_y:.1f}" '
                     f'y2="{tick_y:.1f}" stroke="{GRID}"/><text x="{left - 6}" '
                     f'y="{tick_y + 4:.1f}" text-anchor="end">{_fmt(tick)}</text>')
    base = top + NARROW_PLOT_HEIGHT
    longest = max(len(category) for category in categories)
    every = label_step(len(categories), longest, span_x)
    shown = list(range(0, len(categories), every))
    if shown[-1] != len(categories) - 1:
        # The last label ends at the edge: it replaces the one before when it would touch it.
        if len(shown) > 1 and len(categories) - 1 - shown[-1] < 1.5 * every:
            shown.pop()
        shown.append(len(categories) - 1)
    for index in shown:
        x = point(index, 0)[0]
        anchor = "start" if index == 0 and len(categories) > 1 else (
            "end" if index == len(categories) - 1 and len(categories) > 1 else "middle")
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base}" y2="{base + 4}" '
                     f'stroke="{INK}"/><text x="{x:.1f}" y="{base + 18}" '
                     f'text-anchor="{anchor}">{escape(categories[index])}</text>')
    parts.append(f'<line x1="{left}" x2="{NARROW_WIDTH - right}" y1="{base}" y2="{base}" '
                 f'stroke="{INK}"/>')
    dashes = ("", ' stroke-dasharray="6 3"', ' stroke-dasharray="2 3"')
    for number, item in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = [point(index, value) for index, value in enumerate(item.values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="2"{dashes[number % len(dashes)]}/>')
        for (x, y), category, value in zip(points, categories, item.values, strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f'<title>{escape(f"{category} · {item.name}: {_fmt(value)}")}</title></circle>')
    height = int(base + 28)
    return _narrow_svg(chart_id, title, description, height, parts)
