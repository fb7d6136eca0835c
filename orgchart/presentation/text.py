"""Escaping untrusted text for Graphviz DOT and Mermaid.

Names come from event files anyone can write, so every character must come out
as the text it is, never as markup. Three targets:

* DOT HTML-like labels (`label=<...>`): Graphviz parses the label as XML and,
  before that, expands its escape sequences (`\\N` becomes the node name, `\\G`
  the graph name, `\\\\` one backslash) even inside HTML labels. So a backslash
  is doubled first, then `& < > "` become entities. A newline becomes a line
  break (`<BR/>`).
* DOT quoted strings (`"..."`): a backslash is doubled, `"` is escaped, a
  newline is written as `\\n`.
* Mermaid labels: every character that Mermaid or HTML could read as syntax is
  written as a Mermaid entity code (`#60;`), which Mermaid shows as that
  character.

Characters that no XML document (and so no SVG) can hold, the C0 control
characters other than newline, are shown as their Unicode "control picture"
(U+2400 block); a lone surrogate or a non-character as U+FFFD. A tab is shown
as a space (Graphviz drops tabs).
"""

from __future__ import annotations

import re

_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_NEWLINE = re.compile("\r\n|\r|\n")
_HTML_SPECIAL = re.compile('[\\\\&<>"]')  # in printable text, what `html` rewrites
_QUOTED_SPECIAL = re.compile('[\\\\"]')  # in printable text, what `quoted` rewrites


def _visible(m: re.Match[str]) -> str:
    c = m.group(0)
    if c <= "\x1f":
        return chr(0x2400 + ord(c))
    if c == "\x7f":
        return "\u2421"
    return "\ufffd"


def clean(text: str) -> str:
    """`text` with the characters XML cannot hold made visible, tabs as spaces, newlines as LF."""
    if text.isprintable():  # the usual case: every character cleaned below is unprintable
        return text
    return _BAD.sub(_visible, _NEWLINE.sub("\n", text).replace("\t", " "))


def as_written(text: str) -> bool:
    """Whether `html(text)` is `text` itself (the usual case): printable, and nothing in it
    that a label escapes; then it is one line, without `&` or `<`. True of a join of texts
    when true of each of them (the DOT writer asks once for all the texts of a node)."""
    return text.isprintable() and _HTML_SPECIAL.search(text) is None


def html(text: str) -> str:
    """`text` for a Graphviz HTML-like label: shown exactly as written, lines as `<BR/>`."""
    if as_written(text):  # the usual case
        return text
    out = clean(text).replace("\\", "\\\\")
    out = (out.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
           .replace('"', "&quot;"))
    return out.replace("\n", "<BR/>")


def quoted(text: str) -> str:
    """`text` as a DOT double-quoted string (for ids and attribute values)."""
    if text.isprintable() and _QUOTED_SPECIAL.search(text) is None:  # the usual case
        return f'"{text}"'
    out = clean(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + out.replace("\n", "\\n") + '"'


_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 .,:;_/()+=*!?@'-]|[^\x00-\x7f]")


def mermaid(text: str) -> str:
    """`text` for inside a Mermaid `["..."]` label; newlines become `<br/>`."""
    lines = clean(text).split("\n")
    return "<br/>".join("".join(c if _MERMAID_SAFE.fullmatch(c) else f"#{ord(c)};"
                                for c in line) for line in lines)
