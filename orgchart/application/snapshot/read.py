"""Read one HR snapshot (CSV, TSV, XLSX or JSON) into checked unit rows.

A snapshot has one row per unit. Columns are found by name (case, spaces and
dashes do not matter) unless given explicitly:

| what       | default spellings                                       |
|------------|---------------------------------------------------------|
| id         | id, unit_id, unit, org_id, department_id, dept_id, code |
| name       | name, unit_name, org_name, department_name, dept_name   |
| parent     | parent_id, parent, parent_unit, parent_unit_id, ...     |
| head       | head, manager, leader, head_name, manager_name, ...     |
| head title | head_title, manager_title, leader_title, title          |
| head id    | head_id, manager_id, leader_id, ...                     |
| kind       | kind, unit_kind, unit_type, type                        |
| name_en    | name_en, english_name, name_english, en_name            |
| leaders    | leaders (the `at --format csv` column: `role=person (title); ...`) |

A JSON snapshot is the output of `orgchart at --format json` (units with their
leaders, people's names included), or a list of row objects read like a CSV.

Every problem (ragged rows, empty ids or names, duplicate ids, unknown
parents, a unit that is its own parent, cycles) is reported with the file and
row, all of them in one `SnapshotError`.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from orgchart.domain.errors import OrgchartError

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
MAX_ID = 64
MAX_PROBLEMS = 20

LeaderMode = Literal["none", "head", "all"]


class SnapshotError(OrgchartError):
    """A snapshot cannot be read or is not a valid organisation (one line per problem)."""


@dataclass(frozen=True)
class Leader:
    """A leader as the snapshot gives it: an explicit person id and/or a name."""

    role: str
    person: str | None  # a person id given by the snapshot; None: derive it from `name`
    name: str | None
    name_en: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Row:
    """One unit of a snapshot. `at` names its place for messages (`FILE:LINE`)."""

    at: str
    unit: str
    name: str
    parent: str | None
    name_en: str | None = None
    kind: str | None = None
    leaders: tuple[Leader, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """A checked snapshot: unique ids, known parents, a forest.

    `has_name_en`/`has_kind` say whether the snapshot describes those fields
    at all; `leaders` which roles it describes (`none`, only `head`, or `all`
    roles), and `has_title` whether it gives the leaders' titles.
    """

    path: str
    rows: tuple[Row, ...]
    has_name_en: bool = False
    has_kind: bool = False
    leaders: LeaderMode = "none"
    has_title: bool = False


@dataclass(frozen=True)
class Columns:
    """Column names chosen on the command line (None: look for the default spellings)."""

    id: str | None = None
    name: str | None = None
    parent: str | None = None
    head: str | None = None
    head_title: str | None = None
    head_id: str | None = None
    kind: str | None = None
    name_en: str | None = None


DEFAULTS: dict[str, tuple[str, ...]] = {
    "id": ("id", "unit_id", "unit", "org_id", "org_unit_id", "department_id", "dept_id",
           "code", "unit_code"),
    "name": ("name", "unit_name", "org_name", "org_unit_name", "department_name", "dept_name",
             "department"),
    "parent": ("parent_id", "parent", "parent_unit", "parent_unit_id", "parent_code",
               "parent_org_id", "parent_department_id", "parent_dept_id"),
    "head": ("head", "manager", "leader", "head_name", "manager_name", "leader_name"),
    "head_title": ("head_title", "manager_title", "leader_title", "title"),
    "head_id": ("head_id", "manager_id", "leader_id", "head_employee_id",
                "manager_employee_id", "head_person_id"),
    "kind": ("kind", "unit_kind", "unit_type", "type"),
    "name_en": ("name_en", "english_name", "name_english", "en_name"),
    "leaders": ("leaders",),
}
OPTION = {"id": "--id", "name": "--name", "parent": "--parent", "head": "--head",
          "head_title": "--head-title", "head_id": "--head-id", "kind": "--kind",
          "name_en": "--name-en"}

SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".xlsx", ".json")


# -- public --------------------------------------------------------------------------


def read_snapshot(path: str, columns: Columns | None = None) -> Snapshot:
    """Read and check one snapshot file; SnapshotError lists every problem."""
    columns = columns or Columns()
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        data = _json(path)
        if isinstance(data, dict) and isinstance(data.get("units"), list):
            return check(_chart_snapshot(path, data["units"]))
        if isinstance(data, list) and all(isinstance(x, dict) for x in data):
            header = list(dict.fromkeys(str(k) for x in data for k in x))
            records = [(f"{path}: row {i + 1}",
                        [_cell(x.get(h)) for h in header]) for i, x in enumerate(data)]
            return check(_table_snapshot(path, header, records, columns))
        raise SnapshotError(f"{path}: a JSON snapshot is the output of `orgchart at --format "
                            f"json` or a list of row objects")
    if suffix == ".xlsx":
        header, records, problems = _xlsx(path)
    elif suffix in (".xls", ".ods"):
        raise SnapshotError(f"{path}: {suffix} files are not supported: save the sheet as "
                            f".xlsx or CSV (UTF-8)")
    else:
        header, records, problems = _delimited(path, "\t" if suffix in (".tsv", ".tab")
                                               else None)
    return check(_table_snapshot(path, header, records, columns, problems))


def unit_id(text: str) -> str | None:
    """A snapshot's id as a unit id: lower case, other characters as `-`; None if unusable."""
    t = re.sub(r"[^a-z0-9._-]", "-", text.strip().lower())
    return t if ID_RE.match(t) and len(t) <= MAX_ID else None


def check(snap: Snapshot) -> Snapshot:
    """Unique ids, parents in the snapshot, no unit its own parent, no cycles."""
    problems: list[tuple[str, str]] = []
    first: dict[str, Row] = {}
    for row in snap.rows:
        if row.unit in first:
            problems.append((row.at, f"unit '{row.unit}' is listed twice "
                                     f"(first at {_place(first[row.unit].at)})"))
        else:
            first[row.unit] = row
    for row in snap.rows:
        if row.parent is None or first.get(row.unit) is not row:
            continue
        if row.parent == row.unit:
            problems.append((row.at, f"unit '{row.unit}' is its own parent"))
        elif row.parent not in first:
            problems.append((row.at, f"parent '{row.parent}' of unit '{row.unit}' is not a unit "
                                     f"in this snapshot"))
    # cycles: follow parents; a walk that comes back to a unit on its own path is a cycle
    done: set[str] = set()
    for row in snap.rows:
        path: list[str] = []
        cur: str | None = row.unit
        while cur is not None and cur not in done and cur in first:
            if cur in path:
                cycle = path[path.index(cur):]
                start = min(cycle, key=lambda u: snap.rows.index(first[u]))
                i = cycle.index(start)
                ring = [*cycle[i:], *cycle[:i], start]
                if len(cycle) > 1:
                    problems.append((first[start].at, "units " + " → ".join(ring) +
                                     " form a cycle of parents (each is the parent of the "
                                     "one before)"))
                break
            path.append(cur)
            parent = first[cur].parent
            cur = parent if parent != cur else None
        done.update(path)
    if not snap.rows:
        problems.append((snap.path, "the snapshot has no units"))
    _raise(problems)
    return snap


# -- reading tables -------------------------------------------------------------------


Record = tuple[str, list[str]]  # (place for messages, cells)


def _text(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such file") from None
    except OSError as e:
        raise SnapshotError(f"{path}: cannot read the file ({e.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise SnapshotError(f"{path}:{line}: not UTF-8 text (export the snapshot as UTF-8 "
                            f"CSV)") from None


def _json(path: str) -> Any:
    try:
        return json.loads(_text(path))
    except json.JSONDecodeError as e:
        raise SnapshotError(f"{path}:{e.lineno}: not valid JSON: {e.msg}") from None


Table = tuple[list[str], list[Record], list[tuple[str, str]]]  # header, records, problems


def _formula_unquoted(cell: str) -> str:
    """A cell as written before `at --format csv` quoted it against formula injection
    (`'=x` is `=x`), so that its CSV reads back as the chart it came from."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") \
        else cell


def _delimited(path: str, delimiter: str | None) -> Table:
    text = _text(path)
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    if delimiter is None:
        counts = {d: first_line.count(d) for d in (",", "\t", ";")}
        delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    records: list[Record] = []
    problems: list[tuple[str, str]] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            if len(cells) != len(header):
                problems.append((f"{path}:{line}", f"{len(cells)} fields, but the header has "
                                                   f"{len(header)} (a ragged row)"))
                continue
            records.append((f"{path}:{line}", [_formula_unquoted(c) for c in cells]))
    except csv.Error as e:
        raise SnapshotError(f"{path}:{reader.line_num}: cannot read the row ({e})") from None
    if header is None:
        raise SnapshotError(f"{path}: the file is empty (a snapshot needs a header row and one "
                            f"row per unit)")
    return header, records, problems


def _xlsx(path: str) -> Table:
    try:
        openpyxl: Any = importlib.import_module("openpyxl")
    except ImportError:
        raise SnapshotError(f"{path}: reading .xlsx needs the openpyxl package "
                            f"(pip install openpyxl), or save the sheet as CSV (UTF-8)") from None
    if not Path(path).exists():
        raise SnapshotError(f"{path}: no such file")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a broken file
        raise SnapshotError(f"{path}: not a readable .xlsx file ({e})") from None
    try:
        sheet = book.worksheets[0]
        header: list[str] | None = None
        records: list[Record] = []
        problems: list[tuple[str, str]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip() for c in cells]
                continue
            place = f"{path}: row {number}"
            if len(cells) > len(header):
                problems.append((place, f"{len(cells)} fields, but the header has "
                                        f"{len(header)} (a ragged row)"))
                continue
            records.append((place, cells + [""] * (len(header) - len(cells))))
    finally:
        book.close()
    if header is None:
        raise SnapshotError(f"{path}: the first sheet is empty")
    return header, records, problems


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- rows ------------------------------------------------------------------------------


def _key(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def _find_columns(path: str, header: Sequence[str], columns: Columns) -> dict[str, int]:
    """Column positions by field; an error for a missing required or chosen column."""
    seen: dict[str, int] = {}
    for i, h in enumerate(header):
        if h in seen:
            raise SnapshotError(f"{path}: the header names column '{h}' twice")
        seen[h] = i
    keys = {_key(h): i for i, h in reversed(list(enumerate(header)))}
    found: dict[str, int] = {}
    for field_name, spellings in DEFAULTS.items():
        chosen = getattr(columns, field_name, None)
        if chosen is not None:
            pos = seen.get(chosen, keys.get(_key(chosen)))
            if pos is None:
                raise SnapshotError(f"{path}: column '{chosen}' ({OPTION[field_name]}) is not in "
                                    f"the header (columns: {', '.join(header)})")
            found[field_name] = pos
            continue
        for s in spellings:
            if s in keys and keys[s] not in found.values():
                found[field_name] = keys[s]
                break
    for required in ("id", "name"):
        if required not in found:
            raise SnapshotError(f"{path}: no {required} column (looked for "
                                f"{', '.join(DEFAULTS[required])}; name it with "
                                f"{OPTION[required]} COL; columns: {', '.join(header)})")
    if columns.head is None and "head" not in found and columns.head_id is None:
        found.pop("head_id", None)  # a head id alone names nobody
    return found


_LEADER_RE = re.compile(r"^\s*([^=;]+?)\s*=\s*([^\s(]+)\s*(?:\((.*)\))?\s*$")


def _leaders_cell(text: str) -> tuple[Leader, ...] | None:
    """`head=wu-yongming (CEO); deputy=ann` as leaders; None if it cannot be read."""
    out = []
    for part in text.split(";"):
        if not part.strip():
            continue
        m = _LEADER_RE.match(part)
        if not m:
            return None
        role, person, title = m.groups()
        pid = unit_id(person)
        if pid is None or unit_id(role) != role.strip():
            return None
        out.append(Leader(role=role.strip(), person=pid, name=None,
                          title=title.strip() if title and title.strip() else None))
    return tuple(out)


def _table_snapshot(path: str, header: Sequence[str], records: Sequence[Record],
                    columns: Columns, problems: list[tuple[str, str]] | None = None) -> Snapshot:
    """Rows from table cells; every problem found so far (ragged rows too) is raised at once."""
    col = _find_columns(path, header, columns)
    head_mode = "head" in col or "head_id" in col
    mode: LeaderMode = "head" if head_mode else "all" if "leaders" in col else "none"
    problems = list(problems or [])
    rows: list[Row] = []

    def get(cells: list[str], field_name: str) -> str:
        i = col.get(field_name)
        return cells[i].strip() if i is not None else ""

    for place, cells in records:
        raw_id = get(cells, "id")
        if not raw_id:
            problems.append((place, "the unit id is empty"))
            continue
        uid = unit_id(raw_id)
        if uid is None:
            problems.append((place, f"'{raw_id}' cannot be a unit id (letters, digits, '.', "
                                    f"'_' and '-', at most {MAX_ID} characters)"))
            continue
        name = get(cells, "name")
        if not name:
            problems.append((place, f"unit '{uid}' has an empty name"))
            continue
        raw_parent = get(cells, "parent")
        parent = unit_id(raw_parent) if raw_parent else None
        if raw_parent and parent is None:
            problems.append((place, f"parent '{raw_parent}' of unit '{uid}' cannot be a unit id"))
            continue
        leaders: tuple[Leader, ...] = ()
        if mode == "head":
            head, head_id = get(cells, "head"), get(cells, "head_id")
            pid = unit_id(head_id) if head_id else None
            if head_id and pid is None:
                problems.append((place, f"head id '{head_id}' of unit '{uid}' cannot be a "
                                        f"person id"))
                continue
            if head or head_id:
                leaders = (Leader(role="head", person=pid, name=head or None,
                                  title=get(cells, "head_title") or None),)
        elif mode == "all":
            cell = get(cells, "leaders")
            parsed = _leaders_cell(cell)
            if parsed is None:
                problems.append((place, f"cannot read the leaders of unit '{uid}': '{cell}' "
                                        f"(expected role=person-id (title); ...)"))
                continue
            leaders = parsed
        rows.append(Row(at=place, unit=uid, name=name, parent=parent,
                        name_en=get(cells, "name_en") or None, kind=get(cells, "kind") or None,
                        leaders=leaders))
    _raise(problems)
    return Snapshot(path=path, rows=tuple(rows), has_name_en="name_en" in col,
                    has_kind="kind" in col, leaders=mode,
                    has_title=mode == "all" or "head_title" in col)


def _chart_snapshot(path: str, units: list[Any]) -> Snapshot:
    """The units of `orgchart at --format json` as a snapshot (every field described)."""
    problems: list[tuple[str, str]] = []
    rows: list[Row] = []
    for i, u in enumerate(units, start=1):
        place = f"{path}: unit {i}"
        if not isinstance(u, dict):
            problems.append((place, "a unit is an object with `id` and `name`"))
            continue
        raw_id = _cell(u.get("id")).strip()
        uid = unit_id(raw_id) if raw_id else None
        if uid is None:
            problems.append((place, "the unit id is empty" if not raw_id
                             else f"'{raw_id}' cannot be a unit id"))
            continue
        name = _cell(u.get("name")).strip()
        if not name:
            problems.append((place, f"unit '{uid}' has an empty name"))
            continue
        raw_parent = _cell(u.get("parent")).strip()
        parent = unit_id(raw_parent) if raw_parent else None
        if raw_parent and parent is None:
            problems.append((place, f"parent '{raw_parent}' of unit '{uid}' cannot be a unit id"))
            continue
        leaders = []
        for x in u.get("leaders") or []:
            person = unit_id(_cell(x.get("person"))) if isinstance(x, dict) else None
            if not isinstance(x, dict) or person is None:
                problems.append((place, f"a leader of unit '{uid}' has no usable `person` id"))
                break
            leaders.append(Leader(role=_cell(x.get("role")).strip() or "head", person=person,
                                  name=_cell(x.get("name")).strip() or None,
                                  name_en=_cell(x.get("name_en")).strip() or None,
                                  title=_cell(x.get("title")).strip() or None))
        rows.append(Row(at=place, unit=uid, name=name, parent=parent,
                        name_en=_cell(u.get("name_en")).strip() or None,
                        kind=_cell(u.get("kind")).strip() or None, leaders=tuple(leaders)))
    _raise(problems)
    return Snapshot(path=path, rows=tuple(rows), has_name_en=True, has_kind=True,
                    leaders="all", has_title=True)


def _place(at: str) -> str:
    """`FILE:LINE` -> `line LINE`; `FILE: row N` -> `row N`."""
    tail = at.rsplit(": ", 1)[-1] if ": " in at else at
    if tail is at and ":" in at:
        return "line " + at.rsplit(":", 1)[-1]
    return tail


def _raise(problems: list[tuple[str, str]]) -> None:
    if not problems:
        return

    def position(item: tuple[str, str]) -> int:
        m = re.search(r"(\d+)$", item[0])
        return int(m.group(1)) if m else 0

    problems = sorted(problems, key=position)
    lines = [f"{at}: {what}" for at, what in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        lines.append(f"... and {len(problems) - MAX_PROBLEMS} more problems")
    raise SnapshotError("\n".join(lines))
