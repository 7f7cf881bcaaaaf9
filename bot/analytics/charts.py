"""Bar charts as inline SVG, drawn on the server with pygal, for a page under a strict CSP
(no inline script, no inline style): pygal's own <script> (its config, even with `js=[]`)
and <style> are taken out of the tree before it is written, and the looks come from
`bot/console/static/analytics.css`. The SVG is serialised by ElementTree, which escapes
every label and value that comes from data; the charts are hidden from screen readers
(`aria-hidden`): the table next to each has the same figures.

Counts go through `suppress`: a hidden count is drawn as a pale band up to 5 (class
`suppressed`) and labelled "< 5", never with its height or number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.etree.ElementTree import Element

import pygal  # type: ignore[import-untyped]
from pygal.style import Style  # type: ignore[import-untyped]

from bot.analytics.suppress import hidden, plotted, shown

SVG = "{http://www.w3.org/2000/svg}"
DROPPED = {"script", "style"}
FONT = 15  # px in the chart's own units; analytics.css uses the same sizes
STYLE = Style(font_family="system-ui, sans-serif", label_font_size=FONT,
              major_label_font_size=FONT, value_font_size=FONT, tooltip_font_size=FONT,
              legend_font_size=FONT, title_font_size=FONT)
COMMON: dict[str, Any] = {
    "js": [], "disable_xml_declaration": True, "style": STYLE, "show_legend": False,
    "margin": 8, "spacing": 6, "print_zeroes": False, "include_x_axis": True,
    "min_scale": 2, "max_scale": 5, "truncate_label": -1,  # never: `short` does it
}
LABEL = 22  # characters of a category label in a chart


def _strip(title: str) -> Any:
    """The xml filter: no script, no style, no comments (their tag is a function), no
    style attributes, none of pygal's axis tooltips (positions such as "0.1666666667");
    the root titled and hidden from assistive technology."""

    def clean(root: Element) -> Element:
        for parent in list(root.iter()):
            guides = "guides" in parent.get("class", "")
            for child in list(parent):
                tag = str(child.tag).removeprefix(SVG)
                if not isinstance(child.tag, str) or tag in DROPPED or (guides and tag == "title") \
                        or "tooltip-overlay" in child.get("class", ""):
                    parent.remove(child)
        for node in root.iter():
            node.attrib.pop("style", None)
        for node in root:
            if str(node.tag).removeprefix(SVG) == "title":
                node.text = title
        root.attrib.update({"class": "analytics-chart", "aria-hidden": "true",
                            "focusable": "false"})
        return root

    return clean


def short(label: str) -> str:
    """A label short enough to leave the bars room (the table has it in full)."""
    return label if len(label) <= LABEL else label[:LABEL - 1].rstrip() + "…"


def _values(rows: Sequence[tuple[str, int]]) -> list[dict[str, Any]]:
    """pygal values: the (suppressed) bar height, the class and the native tooltip."""
    values: list[dict[str, Any]] = []
    for label, count in rows:
        value: dict[str, Any] = {"value": plotted(count), "tooltip": f"{label}: {shown(count)}"}
        if hidden(count):
            value["node"] = {"class": "rect reactive suppressed"}
        values.append(value)
    return values


def _render(chart: Any, title: str, rows: Sequence[tuple[str, int]]) -> str:
    counts = [count for _label, count in rows]
    chart.add_xml_filter(_strip(title))
    chart.add(title, _values(rows), formatter=lambda _value, index: shown(counts[index]))
    svg: str = chart.render()
    return svg


def categories(title: str, rows: Sequence[tuple[str, int]]) -> str:
    """Horizontal bars, one per (label, count), the first at the top, values printed."""
    if not rows:
        return ""
    ordered = list(reversed(rows))  # pygal draws the first row at the bottom
    chart = pygal.HorizontalBar(width=420, height=40 + 34 * len(rows), print_values=True,
                                show_y_guides=True, **COMMON)
    chart.x_labels = [short(label) for label, _count in ordered]
    return _render(chart, title, ordered)


def timeline(title: str, rows: Sequence[tuple[str, int]]) -> str:
    """Vertical bars over the days (labels: every day for a week, else every 7th)."""
    if not rows:
        return ""
    every = 1 if len(rows) <= 7 else 7
    chart = pygal.Bar(width=720, height=300, x_labels_major_every=every,
                      show_minor_x_labels=False, **COMMON)
    chart.x_labels = [label for label, _count in rows]
    return _render(chart, title, rows)
