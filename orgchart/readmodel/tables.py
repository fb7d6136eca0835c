"""Query tables (sqlite-utils) built from the event log and a timeline replay.

Everything here can be rebuilt from the log: `write_all()` replaces every
table from the facts; `position` records the stream version they reflect.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from orgchart.domain.dates import EffDate
from orgchart.domain.facts import Fact, Retract, build_fact, units_named
from orgchart.domain.timeline import Timeline
from orgchart.readmodel.connection import QueryDB

if TYPE_CHECKING:
    import sqlite_utils

P = "oc_"  # table prefix: the event store's own tables share a SQLite file
TABLES = ("events", "event_units", "versions", "lives", "tenures", "links", "people", "sources",
          "meta")


def open_db(path: str) -> sqlite_utils.Database:
    """The query tables' database, waiting for other writers rather than failing."""
    import sqlite3

    import sqlite_utils

    return sqlite_utils.Database(sqlite3.connect(path, timeout=60))


def create(db: sqlite_utils.Database) -> None:
    """Create the tables and indexes if missing (safe when several processes race)."""
    if db.table(P + "meta").exists():
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if not db.table(P + "meta").exists():
            _create(db)
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise


def _create(db: sqlite_utils.Database) -> None:
    t = db.table
    t(P + "meta").create({"key": str, "value": str}, pk="key")
    t(P + "events").create({"seq": int, "id": str, "type": str, "date": str, "day": str,
                            "recorded": str, "recorded_day": str, "body": str, "sources": str,
                            "note": str, "retracted_by": str, "retracted_day": str},
                           pk="seq")
    t(P + "events").create_index(["id"], unique=True)
    t(P + "events").create_index(["day", "seq"])
    t(P + "event_units").create({"seq": int, "unit": str})
    t(P + "event_units").create_index(["unit", "seq"])
    t(P + "versions").create({"unit": str, "valid_from": str, "valid_to": str, "name": str,
                              "name_en": str, "kind": str, "parent": str, "event": str})
    t(P + "versions").create_index(["valid_from"])
    t(P + "versions").create_index(["valid_to", "valid_from"])
    t(P + "versions").create_index(["unit", "valid_from"])
    t(P + "lives").create({"unit": str, "began": str, "began_day": str, "began_event": str,
                           "began_how": str, "ended": str, "ended_day": str,
                           "ended_event": str, "ended_how": str}, pk="unit")
    t(P + "tenures").create({"unit": str, "role": str, "person": str, "title": str,
                             "start": str, "start_day": str, "start_event": str, "end": str,
                             "end_day": str, "end_event": str})
    t(P + "tenures").create_index(["end_day", "start_day"])
    t(P + "tenures").create_index(["unit", "start_day"])
    t(P + "tenures").create_index(["person"])
    t(P + "links").create({"source": str, "target": str, "how": str, "event": str,
                           "date": str, "day": str})
    t(P + "links").create_index(["source"])
    t(P + "links").create_index(["target"])
    t(P + "people").create({"id": str, "name": str, "name_en": str}, pk="id")
    t(P + "sources").create({"id": str, "title": str, "publisher": str, "date": str,
                             "url": str}, pk="id")


def position(db: QueryDB) -> int:
    """The log position the tables reflect (-1: no tables yet)."""
    exists = db.execute("select 1 from sqlite_master where type = 'table' and name = ?",
                        [P + "meta"]).fetchone()
    if not exists:
        return -1
    row = db.execute(f"select value from {P}meta where key = 'position'").fetchone()
    return int(row[0]) if row else -1


def meta(db: QueryDB, key: str) -> str | None:
    row = db.execute(f"select value from {P}meta where key = ?", [key]).fetchone()
    return str(row[0]) if row and row[0] is not None else None


def reference_rows(db: QueryDB, section: str) -> dict[str, dict[str, Any]]:
    """All people or sources as {id: {field: value}} (absent values left out)."""
    cur = db.execute(f"select * from {P}{section}")
    cols = [c[0] for c in cur.description]
    out: dict[str, dict[str, Any]] = {}
    for row in cur.fetchall():
        rec = dict(zip(cols, row, strict=True))
        key = rec.pop("id")
        out[key] = {k: v for k, v in rec.items() if v is not None}
    return out


def event_rows(facts: Sequence[Fact]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    retractions = {f.event: f for f in facts if isinstance(f, Retract)}
    rows: list[dict[str, Any]] = []
    unit_rows: list[dict[str, Any]] = []
    for f in facts:
        r = retractions.get(f.id)
        rows.append({
            "seq": f.seq, "id": f.id, "type": f.TYPE,
            "date": str(f.date) if f.date else None, "day": f.date.iso if f.date else None,
            "recorded": f.recorded, "recorded_day": f.recorded_day.isoformat(),
            "body": json.dumps(f.own_fields(), ensure_ascii=False),
            "sources": json.dumps(list(f.sources), ensure_ascii=False), "note": f.note,
            "retracted_by": r.id if r else None,
            "retracted_day": r.recorded_day.isoformat() if r else None,
        })
        unit_rows.extend({"seq": f.seq, "unit": u} for u in dict.fromkeys(units_named(f)))
    return rows, unit_rows


def timeline_rows(tl: Timeline) -> dict[str, list[dict[str, Any]]]:
    def day(x: Any) -> str | None:
        return x.isoformat() if x is not None else None

    return {
        "versions": [{"unit": v.unit, "valid_from": day(v.valid_from), "valid_to": day(v.valid_to),
                      "name": v.name, "name_en": v.name_en, "kind": v.kind, "parent": v.parent,
                      "event": v.event} for v in tl.versions],
        "lives": [{"unit": x.unit, "began": str(x.began), "began_day": x.began.iso,
                   "began_event": x.began_event, "began_how": x.began_how,
                   "ended": str(x.ended) if x.ended else None,
                   "ended_day": x.ended.iso if x.ended else None,
                   "ended_event": x.ended_event, "ended_how": x.ended_how}
                  for x in tl.lives.values()],
        "tenures": [{"unit": t.unit, "role": t.role, "person": t.person, "title": t.title,
                     "start": str(t.start), "start_day": t.start.iso,
                     "start_event": t.start_event, "end": str(t.end) if t.end else None,
                     "end_day": t.end.iso if t.end else None, "end_event": t.end_event}
                    for t in tl.tenures],
        "links": [{"source": k.source, "target": k.target, "how": k.how, "event": k.event,
                   "date": str(k.date), "day": k.date.iso} for k in tl.links],
    }


def write_all(db: sqlite_utils.Database, facts: Sequence[Fact], tl: Timeline,
              people: Mapping[str, Mapping[str, str]], sources: Mapping[str, Mapping[str, str]],
              title: str | None, version: int, force: bool = False) -> bool:
    """Replace every query table with the given history, in one transaction.

    Unless `force`, tables already at `version` or newer (another process got
    there first) are left alone. Returns whether anything was written.
    """
    create(db)
    ev, eu = event_rows(facts)
    rows = timeline_rows(tl)
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        if not force and position(db) >= version:
            db.conn.rollback()
            return False
        for name in TABLES:
            db.execute(f"delete from {P}{name}")
        _insert(db, "events", ev)
        _insert(db, "event_units", eu)
        for name, table_rows in rows.items():
            _insert(db, name, table_rows)
        _insert(db, "people", [{"id": k, "name": v.get("name"), "name_en": v.get("name_en")}
                               for k, v in people.items()])
        _insert(db, "sources", [{"id": k, **{f: v.get(f) for f in
                                             ("title", "publisher", "date", "url")}}
                                for k, v in sources.items()])
        _insert(db, "meta", [{"key": "position", "value": str(version)},
                             {"key": "title", "value": title}])
        db.conn.commit()
    except BaseException:
        db.conn.rollback()
        raise
    return True


def _insert(db: sqlite_utils.Database, name: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        cols = list(rows[0])
        sql = (f"insert into {P}{name} ({', '.join(cols)}) values "
               f"({', '.join('?' for _ in cols)})")
        db.conn.executemany(sql, [[r[c] for c in cols] for r in rows])


def dump(db: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every query table in a canonical order (for `verify`)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for name in TABLES:
        cols = [c.name for c in db.table(P + name).columns]
        rows = db.execute(f"select {', '.join(cols)} from {P}{name}").fetchall()
        out[name] = sorted(rows, key=lambda r: tuple("" if x is None else str(x) for x in r))
    return out


def facts_from_tables(db: QueryDB) -> list[Fact]:
    import json

    out = []
    for row in db.execute(f"select seq, id, type, date, recorded, sources, note, body "
                          f"from {P}events order by seq").fetchall():
        seq, eid, typ, d, recorded, sources, note, body = row
        out.append(build_fact(typ, json.loads(body), id=eid,
                              date=EffDate.parse(d) if d else None, recorded=recorded,
                              sources=tuple(json.loads(sources)), note=note, seq=seq))
    return out
