"""Charts drawn on the server as inline SVG: no JavaScript, no stylesheet (the CSP
allows neither inline styles nor scripts; SVG presentation attributes are fine).

Readable without colour: one series per chart, drawn in the text colour
(``currentColor``), every bar with its value written above it, dates on the
axis, the scale's maximum labelled, and a ``<title>``/``<desc>`` for screen
readers (the dashboard also shows the figures as a table).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import PoolDailyStat, PoolUser
from .stats import DailyFigures, StatusCounts

# Geometry of a daily bar chart (viewBox units; the SVG scales to its box).
WIDTH, HEIGHT = 640, 190
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 18, 150  # the plot area
LABEL_EVERY = 7  # a date under the last bar and every 7th before it


def nice_ceiling(value: int) -> int:
    """The smallest round number at least ``value`` (1 for 0): 1, 1.5, 2, 2.5, 3,
    4, 5, 6 or 8 × 10ⁿ (whole numbers only), the top of the scale, so that its
    label reads well and the tallest bar fills most of the height."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        top = step * power
        if top >= value and top == int(top):
            return int(top)
    return 10 * power  # pragma: no cover (the loop ends at 10)


def short_number(value: int) -> str:
    """At most four characters, to fit above a bar: 999, 1.2k, 12k, 123k, 1.2M."""
    if value < 1000:
        return str(value)
    for limit, suffix in ((10**6, "k"), (10**9, "M"), (10**12, "G")):
        scaled = value / (limit // 1000)
        if value < limit:
            return f"{scaled:.1f}{suffix}" if scaled < 10 else f"{int(scaled)}{suffix}"
    return f"{value:.0e}"


def _day(day: dt.date) -> str:
    return date_format(day, "j M")


def _attrs(**values: object) -> str:
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(value)}"'
        for name, value in values.items()
    )


def _svg(
    *, chart_id: str, height: int, title: str, desc: str, body: list[str]
) -> SafeString:
    return mark_safe(  # noqa: S308 (every value inside went through escape())
        f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(id=chart_id)} '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        'font-family="system-ui, sans-serif" fill="currentColor">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def daily_bar_chart(
    *,
    chart_id: str,
    title: str,
    noun: str,
    days: Sequence[dt.date],
    values: Sequence[int],
) -> SafeString:
    """A bar per day, oldest on the left. ``noun`` names what is counted in the
    description ("sign-ins"). Days with 0 get a thin mark on the axis and a "0"."""
    if len(days) != len(values) or not days:
        raise ValueError("One value per day, and at least one day.")
    top = nice_ceiling(max(values))
    slot = (WIDTH - LEFT - RIGHT) / len(days)
    bar = max(1.0, slot * 0.7)
    plot = BOTTOM - TOP
    body = [
        # The scale: 0 and the maximum, with faint lines across.
        f'<g font-size="10" text-anchor="end">'
        f'<text x="{LEFT - 6}" y="{BOTTOM + 3}">0</text>'
        f'<text x="{LEFT - 6}" y="{TOP + 3}" class="chart-max">'
        f"{escape(number_format(top, force_grouping=True))}</text></g>",
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP}" y2="{TOP}" '
        'stroke="currentColor" stroke-opacity="0.25" stroke-dasharray="3 3"/>',
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{BOTTOM}" y2="{BOTTOM}" '
        'stroke="currentColor" stroke-width="1"/>',
    ]
    bars, labels = [], []
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        x = LEFT + i * slot + (slot - bar) / 2
        centre = LEFT + i * slot + slot / 2
        height = plot * value / top
        tip = f"{_day(day)}: {number_format(value, force_grouping=True)} {noun}"
        if value:
            shape = (
                f'<rect x="{x:.1f}" y="{BOTTOM - height:.1f}" width="{bar:.1f}" '
                f'height="{height:.1f}"/>'
            )
        else:
            # Zero: a short mark under the axis, so the day is visibly there.
            shape = (
                f'<rect x="{x:.1f}" y="{BOTTOM:.1f}" width="{bar:.1f}" height="2" '
                'fill-opacity="0.4"/>'
            )
        bars.append(
            f'<g class="chart-bar" {_attrs(data_day=day.isoformat(), data_value=value)}>'
            f"<title>{escape(tip)}</title>{shape}"
            f'<text x="{centre:.1f}" y="{BOTTOM - height - 3:.1f}" font-size="8" '
            f'text-anchor="middle">{escape(short_number(value))}</text></g>'
        )
        if (len(days) - 1 - i) % LABEL_EVERY == 0:
            labels.append(
                f'<text x="{centre:.1f}" y="{BOTTOM + 16}" font-size="10" '
                f'text-anchor="middle">{escape(_day(day))}</text>'
            )
    body += bars
    body.append('<g class="chart-axis">' + "".join(labels) + "</g>")
    body.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.0f}" y="{BOTTOM + 34}" '
        'font-size="10" text-anchor="middle">Day</text>'
    )
    total = sum(values)
    if total:
        peak = max(range(len(values)), key=lambda i: (values[i], i))
        summary = (
            f"{number_format(total, force_grouping=True)} {noun} in all; most on "
            f"{_day(days[peak])} ({number_format(values[peak], force_grouping=True)})"
            f"; {values.count(0)} days with none."
        )
    else:
        summary = f"No {noun} on any of these days."
    desc = (
        f"One bar per day from {date_format(days[0], 'j M Y')} to "
        f"{date_format(days[-1], 'j M Y')}. {summary}"
    )
    return _svg(chart_id=chart_id, height=HEIGHT, title=title, desc=desc, body=body)


def status_bar_chart(
    *, chart_id: str, title: str, rows: Sequence[tuple[str, int]]
) -> SafeString:
    """Horizontal bars, one per (label, count), with the count and the share
    written beside each bar."""
    total = sum(n for _, n in rows)
    row_height, label_width, value_width = 26, 80, 150
    height = row_height * len(rows) + 8
    span = WIDTH - label_width - value_width
    body, parts = [], []
    for i, (label, count) in enumerate(rows):
        y = 4 + i * row_height
        share = count / total if total else 0.0
        width = span * share
        value = f"{number_format(count, force_grouping=True)} ({share:.0%})"
        parts.append(f"{label}: {value}")
        body.append(
            f'<g class="chart-bar" {_attrs(data_label=label, data_value=count)}>'
            f'<text x="0" y="{y + 15}" font-size="12">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{max(width, 2):.1f}" '
            f'height="{row_height - 8}"'
            + ("" if count else ' fill-opacity="0.4"')
            + "/>"
            f'<text x="{label_width + max(width, 2) + 6:.1f}" y="{y + 15}" '
            f'font-size="12">{escape(value)}</text></g>'
        )
    desc = (
        f"{number_format(total, force_grouping=True)} users: " + "; ".join(parts) + "."
    )
    return _svg(chart_id=chart_id, height=height, title=title, desc=desc, body=body)


@dataclass(frozen=True)
class Chart:
    id: str
    heading: str
    svg: SafeString


def pool_dashboard_charts(
    *, figures: DailyFigures, statuses: StatusCounts
) -> list[Chart]:
    """The pool dashboard's charts: users by status, then one daily chart per
    ``PoolDailyStat.Kind`` (ids ``chart-status`` and ``chart-<kind>``)."""
    labels = dict(PoolUser.Status.choices)
    charts = [
        Chart(
            "chart-status",
            "Users by status",
            status_bar_chart(
                chart_id="chart-status",
                title="Users by status",
                rows=[(str(labels[s]), n) for s, n in statuses.counts.items()],
            ),
        )
    ]
    for kind, label in PoolDailyStat.Kind.choices:
        heading = f"{label} per day"
        charts.append(
            Chart(
                f"chart-{kind}",
                heading,
                daily_bar_chart(
                    chart_id=f"chart-{kind}",
                    title=f"{heading}, last {len(figures.days)} days",
                    noun=str(label).lower(),
                    days=figures.days,
                    values=figures.series[kind],
                ),
            )
        )
    return charts
