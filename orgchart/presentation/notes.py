"""Events' notes as footnotes: a marker (`[1]`) where a line rests on an event with a note,
and the notes, numbered in the order first marked, under the text or the chart.

Pure: event ids and note texts in, text out. The text forms (`at`'s tree, `diff`,
`history`, `lineage`) and the chart (`render`) number their notes here, so a note reads
the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable


class Footnotes:
    """The notes marked so far, numbered from 1 in the order first marked."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self.texts: list[tuple[str, str]] = []  # (event id, note) by number - 1

    def mark(self, event_id: str, note: str | None) -> str:
        """`[n]` for the event's note (the same n each time), or "" when it has none."""
        if not note:
            return ""
        n = self.numbers.get(event_id)
        if n is None:
            self.texts.append((event_id, note))
            n = self.numbers[event_id] = len(self.texts)
        return f"[{n}]"

    def marks(self, notes: Iterable[tuple[str, str | None]]) -> str:
        """The markers of several (event, note) pairs, ` [1] [2]` (leading space), or ""."""
        found = [m for m in (self.mark(e, n) for e, n in notes) if m]
        return " " + " ".join(dict.fromkeys(found)) if found else ""

    def block(self) -> list[str]:
        """`Notes` and one entry per note: `  [1] text  (event id)`, lines of a note with
        several indented under its first; [] when nothing was marked."""
        if not self.texts:
            return []
        lines = ["", "Notes"]
        for n, (event, note) in enumerate(self.texts, 1):
            head = f"  [{n}] "
            body = note.strip().splitlines() or [""]
            body[-1] += f"  ({event})"
            lines.append(head + body[0])
            lines += [" " * len(head) + x for x in body[1:]]
        return lines

    def lines(self, limit: int) -> list[str]:
        """At most `limit` notes as single lines `[n] text`, then `… and K more notes`."""
        out = [f"[{n}] {' '.join(note.split())}"
               for n, (_, note) in enumerate(self.texts[:limit], 1)]
        rest = len(self.texts) - limit
        if rest > 0:
            out.append(f"… and {rest} more note{'s' if rest > 1 else ''}")
        return out
