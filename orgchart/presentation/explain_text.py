"""Text forms of `diff`, `history` and `lineage`: names rather than ids, and sources.

Pure functions: the dicts of `OrgChartService.explain_*` in, text out. Units
are named as they were named on the date in question (English names in
parentheses where they help), events are put into a sentence from the point
of view of the unit being described, and each is cited by its sources'
publisher and date, e.g. `[36氪, 2026-04-01]`; a closing "Sources" list gives
the full titles.
"""

from __future__ import annotations

from typing import Any

from orgchart.presentation.names import (
    citation,
    citation_labels,
    label,
    name_key,
    names_label,
    source_line,
)
from orgchart.presentation.notes import Footnotes
from orgchart.presentation.sentences import (
    annotation_line,
    became,
    retraction_line,
    sentences_of,
)

Ctx = dict[str, Any]
Event = dict[str, Any]

ADDED, REMOVED, MOVED, RENAMED, LEADER, TRANSFERRED = "+", "−", "→", "✎", "◆", "⇢"
INDENT = "      "


def _join(items: list[str]) -> str:
    return ", ".join(items)


class Words:
    """Names, people, citations and event sentences from an `explain.context` dict."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.cited: list[str] = []  # source ids in the order they were first cited
        self._labels: dict[str, str] | None = None
        self.notes = Footnotes()

    # -- names ------------------------------------------------------------

    def _version(self, unit: str, day: str | None) -> dict[str, Any] | None:
        versions = self.ctx["units"].get(unit) or []
        if not versions:
            return None
        if day is None:
            return dict(versions[-1])
        chosen = versions[0]
        for v in versions:
            if v["from"] <= day:
                chosen = v
        return dict(chosen)

    def name(self, unit: str | None, day: str | None = None) -> str:
        """The unit's name on `day` (its latest name when None); `top level` for None."""
        if unit is None:
            return "top level"
        v = self._version(unit, day)
        return v["name"] if v else unit

    def full(self, unit: str | None, day: str | None = None) -> str:
        """The unit's name and English name on `day`."""
        if unit is None:
            return "top level"
        v = self._version(unit, day)
        return label(v["name"], v["name_en"]) if v else unit

    def names(self, units: list[str], day: str | None = None) -> str:
        return _join([self.name(u, day) for u in units])

    def fulls(self, units: list[str], day: str | None = None) -> str:
        return _join([self.full(u, day) for u in units])

    def person(self, pid: str | None) -> str:
        if pid is None:
            return "(vacant)"
        p = self.ctx["people"].get(pid)
        return label(p["name"], p["name_en"]) if p else pid

    # -- sources ----------------------------------------------------------

    def cite(self, event_id: str) -> str:
        """`[label]` for the sources of the event (see `names.citation_labels`), or ""
        when it has none."""
        ev = self.ctx["events"].get(event_id)
        if not ev or not ev["sources"]:
            return ""
        for sid in ev["sources"]:
            if sid not in self.cited:
                self.cited.append(sid)
        return citation(self.labels, ev["sources"])

    @property
    def labels(self) -> dict[str, str]:
        if self._labels is None:
            self._labels = citation_labels(self.ctx["sources"])
        return self._labels

    def sources_block(self) -> list[str]:
        if not self.cited:
            return []
        lines = ["", "Sources"]
        for sid in self.cited:
            s = self.ctx["sources"].get(sid) or {}
            line = f"  {source_line(self.labels, sid, s)}"
            if s.get("url"):
                line += f"  {s['url']}"
            lines.append(line)
        return lines

    def annotations(self, event_id: str) -> list[str]:
        """The event's annotations as corrections, each cited (`ctx["annotations"]`, or a
        history's, by the annotated event's id)."""
        lines = []
        for a in self.ctx.get("annotations", {}).get(event_id, ()):
            cite = self.cite(a["id"])
            lines.append(annotation_line(a) + (f"  {cite}" if cite else ""))
        return lines
    # -- notes --------------------------------------------------------------

    def mark(self, event_id: str) -> str:
        """The footnote marker of the event's note (`[1]`), or "" when it has none."""
        ev = self.ctx["events"].get(event_id)
        return self.notes.mark(event_id, ev.get("note") if ev else None)

    def cited_and_marked(self, event_id: str) -> str:
        """The event's citation and note marker, `  [36氪, 2026-04-01] [1]`, or ""."""
        tail = " ".join(x for x in (self.cite(event_id), self.mark(event_id)) if x)
        return f"  {tail}" if tail else ""

    # -- events in words ----------------------------------------------------

    def event(self, event_id: str) -> Event:
        ev: Event = self.ctx["events"][event_id]
        return ev

    def sentence(self, event_id: str, subject: str | None = None, dated: bool = True) -> str:
        """What the event did, from `subject`'s point of view (None: neutrally).

        With `dated`, the effective date follows the verb: "split 2026-04-01 into …".
        """
        e = self.event(event_id)
        return sentences_of(e["type"]).sentence(e, self, subject, f" {e['date']}" if dated else "")

    def as_named(self, unit: str | None, day: str) -> str:
        """` as NAME` when the unit began under a name it no longer has, else ""."""
        if unit is None or self.name(unit, day) == self.name(unit):
            return ""
        return f" as {self.full(unit, day)}"

    def occasion(self, event_id: str) -> str:
        """Why a unit changed parent in a split, merge or dissolution: "when … split into …"."""
        e = self.event(event_id)
        return sentences_of(e["type"]).occasion(e, self)

    def causes(self, event_id: str, subject: str | None, prefix: str = "") -> list[str]:
        """`cause`, then the event's annotations below it."""
        return [self.cause(event_id, subject, prefix),
                *(f"{INDENT}  {line}" for line in self.annotations(event_id))]

    def cause(self, event_id: str, subject: str | None, prefix: str = "") -> str:
        """An indented cause line: the event in words, then its citation."""
        return f"{INDENT}{prefix}{self.sentence(event_id, subject)}" \
            + self.cited_and_marked(event_id)


# -- diff -----------------------------------------------------------------

_GROUPS = (("added", "Added"), ("removed", "Removed"), ("moved", "Moved"),
           ("renamed", "Renamed"), ("leader", "Leaders"), ("transferred", "Transferred"))


def diff_text(data: dict[str, Any]) -> str:
    """The `diff` text form: changes grouped by kind, each with its causing events."""
    d = data["diff"]
    w = Words(data["context"])
    title = w.ctx.get("title") or "Organisation"
    days = (_first_day(d["from"]), _first_day(d["to"]))
    reverse = days[0] > days[1]
    head = f"{title} — what changed from {d['from']} to {d['to']}"
    if data.get("root"):
        head += f", in {w.full(data['root'])}"
    if d.get("known_at"):
        head += f", as known on {d['known_at']}"
    lines = [head]
    if reverse:
        lines.append("(going back in time: the events below are undone)")
    changes = d["changes"]
    if not changes:
        lines += ["", "No changes."]
        return "\n".join(lines) + "\n"
    before, after = data["before"], data["after"]
    for kind, heading in _GROUPS:
        group = [c for c in changes if c["change"] == kind]
        if not group:
            continue
        if kind != "transferred":  # units by name (transfers stay in effective order)
            group.sort(key=lambda c: name_key(_listed(c, before, after)))
        lines += ["", heading]
        if kind == "moved":
            lines.extend(_moves(group, after, days, w))
            continue
        if kind == "transferred":
            lines.extend(_transfers(group, days, w))
            continue
        for c in group:
            lines.extend(_change_lines(c, before, after, days, data.get("related", {}),
                                       data.get("successors", {}), w))
    lines += w.notes.block()
    lines += w.sources_block()
    return "\n".join(lines) + "\n"


def _listed(c: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The unit a change line names first: as it was (removed, renamed) or as it became."""
    if c["change"] == "renamed":
        return {"id": c["unit"], "name": c["before"], "name_en": c.get("before_en")}
    u: dict[str, Any] = (before if c["change"] == "removed" else after)[c["unit"]]
    return u


def _first_day(text: str) -> str:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as the first day of its period."""
    return (text + "-01-01")[:10] if len(text) == 4 else (text + "-01")[:10]


def _unit_label(u: dict[str, Any]) -> str:
    return label(u["name"], u["name_en"])


def _change_lines(c: dict[str, Any], before: dict[str, Any], after: dict[str, Any],
                  days: tuple[str, str], related: dict[str, list[str]],
                  successors: dict[str, list[list[str]]], w: Words) -> list[str]:
    uid, kind = c["unit"], c["change"]
    if kind == "added":
        u = after[uid]
        where = f", under {w.name(u['parent'], days[1])}" if u["parent"] \
            else ", at the top level"
        head = f"  {ADDED} {_unit_label(u)}{where}"
    elif kind == "removed":
        u = before[uid]
        where = f", was under {w.name(u['parent'], days[0])}" if u["parent"] \
            else ", was at the top level"
        head = f"  {REMOVED} {_unit_label(u)}{where}"
    elif kind == "moved":
        u = after[uid]
        head = (f"  {MOVED} {_unit_label(u)}: from {_parent_name(c['before'], days[0], w)} "
                f"to {_parent_name(c['after'], days[1], w)}")
    elif kind == "renamed":
        head = (f"  {RENAMED} {label(c['before'], c['before_en'])} → "
                f"{label(c['after'], c['after_en'])}")
        if "after_kind" in c:
            head += f" ({c['before_kind'] or 'no kind'} → {c['after_kind'] or 'no kind'})"
    else:
        u = after[uid]
        head = (f"  {LEADER} {_unit_label(u)}, {c['role']}: {w.person(c['before'])} → "
                f"{w.person(c['after'])}")
    lines = [head]
    lines += [line for e in c["events"] for line in w.causes(e, uid)]
    lines += [line for e in related.get(uid, []) for line in w.causes(e, uid, "also: ")]
    chain = successors.get(uid) if kind == "removed" else None
    if chain:
        # the unit as it was on the first date, then under its last name if it was renamed
        # before it ended (DTI → BERR → BIS …), then its successors generation by generation
        own = list(dict.fromkeys([w.name(uid, days[0]), w.name(uid)]))
        steps = " → ".join([*own, *(w.names(step) for step in chain)])
        lines.append(f"{INDENT}then: {steps}")
    return lines


def _transfers(group: list[dict[str, Any]], days: tuple[str, str], w: Words) -> list[str]:
    """Functions moved between units that both continue: what, from, to, and the event."""
    lines: list[str] = []
    for c in group:
        lines.append(f"  {TRANSFERRED} {c['what']}: {w.name(c['from'], days[0])} → "
                     f"{w.name(c['to'], days[1])}")
        lines += [line for e in c["events"] for line in w.causes(e, None)]
    return lines


def _moves(group: list[dict[str, Any]], after: dict[str, Any], days: tuple[str, str],
           w: Words) -> list[str]:
    """Moved units; units moved the same way by the same events share one entry."""
    runs: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for c in group:
        causes = tuple(w.sentence(e, c["unit"]) for e in c["events"])
        runs.setdefault((c["before"], c["after"], tuple(c["events"]), causes), []).append(c)
    lines: list[str] = []
    for (old, new, events, _), cs in runs.items():
        move = f"from {_parent_name(old, days[0], w)} to {_parent_name(new, days[1], w)}"
        names = [_unit_label(after[c["unit"]]) for c in cs]
        if len(names) == 1:
            lines.append(f"  {MOVED} {names[0]}: {move}")
        else:
            lines.append(f"  {MOVED} {names[0]},")
            lines += [f"    {n}," for n in names[1:-1]]
            lines += [f"    {names[-1]}:", f"    {move}"]
        lines += [line for e in events for line in w.causes(e, cs[0]["unit"])]
    return lines


def _parent_name(parent: str | None, day: str, w: Words) -> str:
    return "the top level" if parent is None else w.name(parent, day)


# -- history ----------------------------------------------------------------

def open_end(horizon: str | None) -> str:
    """The end of what has not ended: `now`, or `as of DATE` when the facts stop there."""
    return f"as of {horizon}" if horizon else "now"


def _span(began: str, ended: str | None, how: str | None, horizon: str | None = None) -> str:
    if ended is None:
        return f"since {began}" + (f" ({open_end(horizon)})" if horizon else "")
    return f"{began} – {ended} ({how})" if how else f"{began} – {ended}"


def history_text(data: dict[str, Any]) -> str:
    """The `history` text form: one entry per line, its event id and sources below."""
    h = data["history"]
    w = Words(data["context"])
    uid = h["unit"]
    lines = [f"{names_label(h.get('names'), h['name'], h['name_en'])}  [{uid}]"]
    facts = [x for x in (h["kind"], _span(h["began"], h["ended"], h["ended_how"],
                                          w.ctx.get("horizon"))) if x]
    if h.get("known_at"):
        facts.append(f"as known on {h['known_at']}")
    lines.append(", ".join(facts))
    if h.get("aliases"):
        lines.append(f"also known as {', '.join(h['aliases'])}")
    lines.append("")
    width = max((len(e["date"]) for e in h["story"]), default=10)
    width = max(width, 10)
    for e in h["story"]:
        day = w.event(e["event"])["day"]
        lines.append(f"{e['date']:<{width}}  {story_entry(e, uid, day, w)}")
        lines.append(f"{'':<{width}}  {e['event']}" + w.cited_and_marked(e["event"]))
        lines += [f"{'':<{width}}  {line}" for line in w.annotations(e["event"])]
    if h.get("retracted"):
        lines += ["", "Corrections"] + [f"  {retraction_line(r)}" for r in h["retracted"]]
    lines += w.notes.block()
    lines += w.sources_block()
    return "\n".join(lines) + "\n"


def story_entry(e: dict[str, Any], uid: str, day: str, w: Words) -> str:
    """One entry of a unit's story (`history`) in words, as of `day`, the entry's day."""
    what = e["what"]
    if what == "began":
        name = label(e["name"], e["name_en"]) if e["name"] else w.full(uid, day)
        kind = f", {e['kind']}" if e.get("kind") else ""
        where = f", under {w.name(e['parent'], day)}" if e.get("parent") \
            else ", at the top level"
        return sentences_of(e["how"]).story_began(e, w, f"{name}{kind}{where}", day)
    if what == "renamed":
        became_kind = became(e["after_kind"]) if e.get("after_kind") else ""
        if (e["before"], e["before_en"]) == (e["after"], e["after_en"]):
            return became_kind or "kind no longer recorded"
        return (f"renamed from {label(e['before'], e['before_en'])} to "
                f"{label(e['after'], e['after_en'])}") + (f" and {became_kind}"
                                                          if became_kind else "")
    if what == "transferred":
        return w.sentence(e["event"], uid, dated=False)
    if what == "moved":
        move = f"moved from {w.name(e['before'], day)} to {w.name(e['after'], day)}"
        return f"{move} {w.occasion(e['event'])}".rstrip()
    if what == "leader":
        title = f", {e['title']}" if e.get("title") else ""
        until = e["until"] or open_end(w.ctx.get("horizon"))
        return f"{e['role']}: {w.person(e['person'])}{title}, {e['since']} – {until}"
    if what == "stepped_down":
        return f"{w.person(e['person'])} stepped down as {e['role']}"
    if what == "spun_off":
        return f"spun off {w.fulls(e['into'], day)}"
    if what == "absorbed":
        return f"absorbed {w.fulls(e['from'], day)}"
    if what == "ended":
        return sentences_of(e["how"]).story_ended(e, w, uid, day)
    return str(what)


# -- lineage ------------------------------------------------------------------

def lineage_text(data: dict[str, Any]) -> str:
    """The `lineage` text form: where the unit came from, what it became, the units."""
    g = data["lineage"]
    w = Words(data["context"])
    uid = g["unit"]
    nodes = {n["id"]: n for n in g["nodes"]}
    me = nodes[uid]
    head = f"Lineage of {names_label(me.get('names'), me['name'], me['name_en'])}  [{uid}]"
    if g.get("known_at"):
        head += f", as known on {g['known_at']}"
    lines = [head]
    up = [k for k in g["edges"] if nodes[k["source"]]["generation"] < 0]
    down = [k for k in g["edges"] if nodes[k["source"]]["generation"] >= 0]
    for heading, edges, none in (
            ("Came from", up, f"nothing: it was {_began_words(me)}"),
            ("Went on to", down, _after_words(me, w.ctx.get("horizon")))):
        lines += ["", heading]
        if not edges:
            lines.append(f"  ({none})")
        for event in dict.fromkeys(k["event"] for k in edges):
            e = w.event(event)
            lines.append(f"  {e['date']:<10}  {w.sentence(event, None, dated=False)}"
                         + w.cited_and_marked(event))
            lines.append(f"  {'':<10}  {event}")
    lines += ["", "Units by generation"]
    for n in g["nodes"]:
        mark = "▶ " if n["id"] == uid else "  "
        lines.append(f"  {n['generation']:>3}  {mark}"
                     f"{names_label(n.get('names'), n['name'], n['name_en'])}  "
                     f"[{n['id']}]  "
                     f"{_span(n['began'], n['ended'], n['ended_how'], w.ctx.get('horizon'))}")
    lines += w.notes.block()
    lines += w.sources_block()
    return "\n".join(lines) + "\n"


def _began_words(n: dict[str, Any]) -> str:
    return sentences_of(n["began_how"]).lineage_began(n)


def _after_words(n: dict[str, Any], horizon: str | None = None) -> str:
    if n["ended"] is None:
        return f"nothing as of {horizon}: it still existed then" if horizon \
            else "nothing yet: it still exists"
    return sentences_of(n["ended_how"]).lineage_ended(n)
