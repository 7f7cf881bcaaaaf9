"""The SVG charts: well-formed, no script or style (the console's CSP allows neither
inline), labels from data escaped, and hidden counts neither drawn nor written."""

from __future__ import annotations

from xml.etree import ElementTree

from bot.analytics.charts import categories, short, timeline

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & <b>'


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_labels_from_data_are_escaped() -> None:
    svg = categories("Per <city>", [(EVIL, 12), ("Düsseldorf", 3), ("لايبزيغ", 7)])
    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; &lt;b&gt;" in svg
    root = parsed(svg)  # well-formed: nothing broke out of its element
    texts = [node.text for node in root.iter(f"{SVG}text")]
    assert short(EVIL) in texts and "لايبزيغ" in texts  # long labels shortened, with "…"
    assert short(EVIL).endswith("…") and f"{EVIL}: 12" in [t.text for t in root.iter(f"{SVG}title")]
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}title").text == "Per <city>"  # type: ignore[union-attr]


def test_no_script_no_style_hidden_from_screen_readers() -> None:
    for svg in (categories("t", [("a", 9), ("b", 2)]),
                timeline("t", [(f"{d}.6.", d % 9) for d in range(1, 31)])):
        root = parsed(svg)
        tags = {node.tag.removeprefix(SVG) for node in root.iter() if isinstance(node.tag, str)}
        assert not tags & {"script", "style"}
        assert all("style" not in node.attrib for node in root.iter())
        assert "<!--" not in svg and "Pygal" not in svg and "0.16666" not in svg
        assert root.get("aria-hidden") == "true" and root.get("class") == "analytics-chart"


def test_hidden_counts_are_neither_drawn_nor_written() -> None:
    svg = categories("Topics", [("residence", 12), ("housing", 3), ("health", 1)])
    root = parsed(svg)
    bars = root.findall(f".//{SVG}g[@class='bar']")
    heights = {bar.find(f"{SVG}title").text: float(bar.find(f"{SVG}rect").get("width"))  # type: ignore[union-attr,arg-type]
               for bar in bars}
    assert heights["housing: < 5"] == heights["health: < 5"]  # both drawn up to 5
    assert heights["residence: 12"] > heights["housing: < 5"]
    suppressed = root.findall(f".//{SVG}rect[@class='rect reactive suppressed']")
    assert len(suppressed) == 2
    values = [node.text for node in root.iter(f"{SVG}text") if node.get("class") == "value"]
    assert sorted(values) == ["12", "< 5", "< 5"]  # type: ignore[type-var]
    descriptions = [node.text for node in root.iter(f"{SVG}desc")
                    if node.get("class") == "value"]
    assert sorted(descriptions) == ["12", "< 5", "< 5"]  # type: ignore[type-var]


def test_timeline_labels_every_seventh_day_of_a_month() -> None:
    rows = [(f"{d}.6.", 6) for d in range(1, 31)]
    root = parsed(timeline("Per day", rows))
    labels = [node.text for node in root.iter(f"{SVG}text")
              if node.text and node.text.endswith(".6.")]
    assert labels == ["1.6.", "8.6.", "15.6.", "22.6.", "29.6."]
    assert categories("empty", []) == "" and timeline("empty", []) == ""
