"""Reading snapshots: columns, formats, encodings, and one clear error per bad row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orgchart.application.snapshot.people import derived_id, person_for
from orgchart.application.snapshot.read import Columns, SnapshotError, read_snapshot


def write(tmp_path: Path, name: str, text: str, bom: bool = False) -> str:
    p = tmp_path / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return str(p)


def error(path: str, columns: Columns | None = None) -> str:
    with pytest.raises(SnapshotError) as e:
        read_snapshot(path, columns)
    return str(e.value)


HR = ("Dept ID,Department,Parent ID,Manager,Manager Title\n"
      "HQ,Acme,,Alice Smith,CEO\n"
      "ENG,Engineering,HQ,,\n")


@pytest.mark.parametrize("bom", [False, True])
def test_hr_csv_with_common_column_names(tmp_path: Path, bom: bool) -> None:
    snap = read_snapshot(write(tmp_path, "s.csv", HR, bom))
    hq, eng = snap.rows
    assert (hq.unit, hq.name, hq.parent) == ("hq", "Acme", None)
    assert (eng.unit, eng.parent, eng.leaders) == ("eng", "hq", ())
    assert [(x.role, x.person, x.name, x.title) for x in hq.leaders] == [
        ("head", None, "Alice Smith", "CEO")]
    assert snap.leaders == "head" and snap.has_title
    assert not snap.has_kind and not snap.has_name_en
    assert hq.at.endswith("s.csv:2")


@pytest.mark.parametrize(("name", "sep"), [("s.tsv", "\t"), ("s.csv", "\t"), ("s.csv", ";")])
def test_tsv_and_other_delimiters_are_detected(tmp_path: Path, name: str, sep: str) -> None:
    text = HR.replace(",", sep)
    snap = read_snapshot(write(tmp_path, name, text))
    assert [r.unit for r in snap.rows] == ["hq", "eng"]


def test_columns_chosen_explicitly(tmp_path: Path) -> None:
    text = "code,label,up,boss,role title,type\nA,Top,,Zoe,Chair,group\nB,Sub,A,,,team\n"
    cols = Columns(id="code", name="label", parent="up", head="boss", head_title="role title",
                   kind="type")
    a, b = read_snapshot(write(tmp_path, "s.csv", text), cols).rows
    assert (a.kind, a.leaders[0].name, a.leaders[0].title) == ("group", "Zoe", "Chair")
    assert b.parent == "a"
    assert "column 'nope' (--parent) is not in the header" in error(
        write(tmp_path, "t.csv", text), Columns(parent="nope"))


def test_missing_id_column_says_how_to_name_it(tmp_path: Path) -> None:
    msg = error(write(tmp_path, "s.csv", "key,name\n1,A\n"))
    assert "no id column" in msg and "--id COL" in msg


def test_at_csv_leaders_column(tmp_path: Path) -> None:
    text = ("id,name,name_en,kind,parent,since,leaders\n"
            "a,甲,A,group,,2020,head=ann (CEO); deputy=bo\n")
    [row] = read_snapshot(write(tmp_path, "s.csv", text)).rows
    assert [(x.role, x.person, x.title) for x in row.leaders] == [
        ("head", "ann", "CEO"), ("deputy", "bo", None)]
    assert (row.name_en, row.kind) == ("A", "group")
    assert "cannot read the leaders of unit 'a'" in error(
        write(tmp_path, "t.csv", text.replace("head=ann (CEO)", "just text here")))


def test_at_json_snapshot_keeps_people_names(tmp_path: Path) -> None:
    chart = {"date": "2026-01-01", "known_at": None, "units": [
        {"id": "a", "name": "甲", "name_en": None, "kind": None, "parent": None,
         "since": "2020", "leaders": [{"person": "ann", "name": "安妮", "name_en": "Ann",
                                       "role": "head", "title": None, "since": "2020"}]}]}
    snap = read_snapshot(write(tmp_path, "s.json", json.dumps(chart)))
    assert snap.leaders == "all" and snap.has_name_en and snap.has_kind
    assert snap.rows[0].leaders[0].name_en == "Ann"


def test_json_rows(tmp_path: Path) -> None:
    rows = [{"id": "A", "name": "Top", "parent": None, "manager": "Zoe"},
            {"id": "B", "name": "Sub", "parent": "A"}]
    snap = read_snapshot(write(tmp_path, "s.json", json.dumps(rows)))
    assert [(r.unit, r.parent) for r in snap.rows] == [("a", None), ("b", "a")]


def test_xlsx(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [["id", "name", "parent", "head"], [1001, "Top", None, "Zoe"],
                [1002, "Sub", 1001, None]]:
        sheet.append(row)
    path = tmp_path / "s.xlsx"
    book.save(path)
    snap = read_snapshot(str(path))
    assert [(r.unit, r.parent) for r in snap.rows] == [("1001", None), ("1002", "1001")]
    assert snap.rows[0].at.endswith("s.xlsx: row 2")


def test_xlsx_without_openpyxl_is_a_clear_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def no_openpyxl(name: str, *args: object) -> object:
        if name == "openpyxl":
            raise ImportError(name)
        return real(name)

    monkeypatch.setattr(importlib, "import_module", no_openpyxl)
    msg = error(write(tmp_path, "s.xlsx", "not really"))
    assert "needs the openpyxl package" in msg and "save the sheet as CSV" in msg


# -- bad snapshots: one line per problem, with file and row --------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("id,name,parent\na,A,\nb,B,a\na,Again,\n",
     [":4: unit 'a' is listed twice (first at line 2)"]),
    ("id,name,parent\na,A,\nb,B,ghost\n",
     [":3: parent 'ghost' of unit 'b' is not a unit in this snapshot"]),
    ("id,name,parent\nr,R,\na,A,b\nb,B,c\nc,C,a\n",
     [":3: units a → b → c → a form a cycle of parents"]),
    ("id,name,parent\na,A,a\n",
     [":2: unit 'a' is its own parent"]),
    ("id,name,parent\na,A,\nb,  ,a\n",
     [":3: unit 'b' has an empty name"]),
    ("id,name,parent\na,A,\n,B,a\n",
     [":3: the unit id is empty"]),
    ("id,name,parent\na,A,\nb,B,a,extra\nc,C\n",
     [":3: 4 fields, but the header has 3 (a ragged row)",
      ":4: 2 fields, but the header has 3 (a ragged row)"]),
    ("id,name,parent\nä ö,A,\n",
     [":2: 'ä ö' cannot be a unit id"]),
    ("id,name,parent\n", ["the snapshot has no units"]),
])
def test_bad_snapshots(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = write(tmp_path, "bad.csv", text)
    lines = error(path).splitlines()
    assert len(lines) == len(expected), lines
    for line, want in zip(lines, expected, strict=True):
        assert line.startswith(path)
        assert want in line, (line, want)


def test_every_problem_is_listed(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", "id,name,parent\na,,\nb,B,\nb,B2,\nc,C,zz\n")
    # row problems first (an empty name); the structure is checked once the rows are readable
    assert error(path).splitlines() == [f"{path}:2: unit 'a' has an empty name"]
    path = write(tmp_path, "bad2.csv", "id,name,parent\nb,B,\nb,B2,\nc,C,zz\nd,D,d\n")
    assert error(path).splitlines() == [
        f"{path}:3: unit 'b' is listed twice (first at line 2)",
        f"{path}:4: parent 'zz' of unit 'c' is not a unit in this snapshot",
        f"{path}:5: unit 'd' is its own parent"]


def test_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    p.write_bytes("id,name\na,Zürich\n".encode("latin-1"))
    assert "not UTF-8" in error(str(p))


# -- person ids --------------------------------------------------------------------------


def test_person_ids_from_names() -> None:
    assert derived_id("Zhang Kaifu") == "zhang-kaifu"
    assert derived_id("José Núñez") == "jose-nunez"
    cjk = derived_id("张凯夫")
    assert cjk.startswith("p-") and len(cjk) == 10 and cjk == derived_id(" 张凯夫 ")
    people = {"zhang-kaifu": {"name": "张凯夫", "name_en": "Zhang Kaifu"},
              "li-wei": {"name": "Li Wei (Sales)"}}
    assert person_for("张凯夫", people) == "zhang-kaifu"  # a recorded person with that name
    assert person_for("Zhang Kaifu", people) == "zhang-kaifu"  # or English name
    other = person_for("Li Wei", people)  # the slug is taken by someone else
    assert other.startswith("li-wei-") and other == person_for("Li Wei", people)
