"""Graphviz SVG made safe to inline in an HTML page.

The SVG that `dot` draws from `orgchart.presentation.graph` already shows every name
as text, but a page that embeds it should not have to trust that: this module
re-writes the drawing from an allow-list. Only shape, text and grouping
elements survive (no `script`, `foreignObject`, `a`, `image`, `use`, `style`
...), only presentation attributes survive (no `href`, no `on*` handlers, no
`style`), any value that could reference something (`url(`, `javascript:`) is
dropped, and text is escaped again on the way out. The SVG is parsed with
`defusedxml`, which refuses entity declarations and external references. The result has no XML
prolog, DOCTYPE, comments or namespace URIs: inside HTML, `<svg>` needs none.

Graphviz's element ids (`unit-<id>` for units) become `data-unit` attributes,
so that several charts can share a page without clashing ids.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

import defusedxml.ElementTree as DefusedET

SVG_NS = "{http://www.w3.org/2000/svg}"

#: Elements that may appear in the inlined drawing (what Graphviz uses for charts).
ELEMENTS = frozenset({"svg", "g", "title", "text", "polygon", "polyline", "path", "ellipse",
                      "rect", "line", "circle"})

#: Presentation and geometry attributes kept on those elements.
ATTRIBUTES = frozenset({
    "class", "viewBox", "width", "height", "transform", "points", "d", "x", "y", "x1", "y1",
    "x2", "y2", "cx", "cy", "r", "rx", "ry", "fill", "fill-opacity", "stroke",
    "stroke-width", "stroke-dasharray", "stroke-opacity", "font-family", "font-size",
    "font-weight", "font-style", "text-anchor", "text-decoration", "preserveAspectRatio"})

_UNSAFE_VALUE = re.compile(r"url\s*\(|javascript:|data:|expression\s*\(|[<>]", re.IGNORECASE)
_CLASS = re.compile(r"[^A-Za-z0-9_ -]")
_UNIT_ID = re.compile(r"unit-([a-z0-9][a-z0-9._-]*)")


def inline_svg(svg: bytes | str, label: str | None = None) -> str:
    """The drawing as an HTML-embeddable `<svg>` element, rebuilt from the allow-list.

    `label`, if given, becomes the drawing's accessible name (`role="img"`).
    """
    data = svg.encode("utf-8") if isinstance(svg, str) else svg
    # defusedxml refuses entity declarations (no "billion laughs") and external references
    root = DefusedET.fromstring(data)
    if _local(root.tag) != "svg":
        raise ValueError("not an SVG document")
    extra = {"role": "img", "aria-label": label} if label is not None else {}
    return _element(root, extra)


def _local(tag: object) -> str:
    """The element's local name, or '' for comments and processing instructions."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _element(e: ET.Element, extra: dict[str, str] | None = None) -> str:
    name = _local(e.tag)
    if name not in ELEMENTS:
        return ""
    attrs: list[tuple[str, str]] = []
    for key, value in e.attrib.items():
        if key == "id":
            m = _UNIT_ID.fullmatch(value)
            if m:
                attrs.append(("data-unit", m.group(1)))
        elif key == "class":
            attrs.append(("class", _CLASS.sub("", value)))
        elif key in ATTRIBUTES and not _UNSAFE_VALUE.search(value):
            attrs.append((key, value))
    attrs.extend((extra or {}).items())
    out = [f"<{name}"]
    out.extend(f' {k}="{html.escape(v, quote=True)}"' for k, v in attrs)
    out.append(">")
    if e.text and name in ("text", "title"):
        out.append(html.escape(e.text, quote=False))
    for child in e:
        out.append(_element(child))
        # tail text between children only matters inside <text>; elsewhere it is layout spaces
        if child.tail and name == "text":
            out.append(html.escape(child.tail, quote=False))
    out.append(f"</{name}>")
    return "".join(out)
