"""Small things about errors (issue 17, item 13): each problem on its own `Error:` line at
the right line of the file, and a read-only store not called busy."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from orgchart.cli import cli
from tests.conftest import SEED
from tests.e2e.test_failures import orgchart, without_root_powers


def load(tmp_path: Path, text: str) -> tuple[int, str, str]:
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "store.db"), "load", str(path)],
                           obj={})
    return r.exit_code, r.stderr, str(path)


def test_a_character_yaml_refuses_is_one_line_at_its_line(tmp_path: Path) -> None:
    code, err, path = load(tmp_path, "format: orgchart/v1\nevents:\n  - type: establish\n"
                                     "    name: 名字\n    note: a\x07b\n")
    assert (code, err) == (1, f"Error: {path}:5: not valid YAML: character U+0007 is not "
                              f"allowed (control characters are not allowed)\n")


def test_an_unknown_top_level_field_is_reported_at_its_line(tmp_path: Path) -> None:
    code, err, path = load(tmp_path, "format: orgchart/v1\nevents: []\ntitel: A\n")
    assert (code, err) == (1, f"Error: {path}:3: unknown field 'titel' (did you mean "
                                f"'title'?)\n")


def test_an_unknown_event_field_is_reported_at_its_line(tmp_path: Path) -> None:
    code, err, path = load(tmp_path, "format: orgchart/v1\nevents:\n  - type: establish\n"
                                     "    date: 2020\n    unit: u\n    name: U\n"
                                     "    nmae_en: x\n")
    assert (code, err) == (1, f"Error: {path}:7: event 1 (establish, 2020): unknown field "
                              f"'nmae_en' (did you mean 'name_en'?)\n")


def test_every_problem_of_a_series_is_an_error_line(tmp_path: Path) -> None:
    folder = tmp_path / "series"
    folder.mkdir()
    for name in ("a.csv", "b.csv"):
        (folder / name).write_text("id,name,parent\nx,X,\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "store.db"), "import-snapshot",
                                 "--series", str(folder)], obj={})
    rule = "no date in the file name (name each snapshot by its date, e.g. 2025-01-31.csv)"
    assert (r.exit_code, r.stderr) == (1, f"Error: {folder / 'a.csv'}: {rule}\n"
                                          f"Error: {folder / 'b.csv'}: {rule}\n")


def test_a_read_only_store_is_not_called_busy(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    assert orgchart("--db", str(db), "load", str(SEED))[0] == 0
    new = tmp_path / "new.yaml"
    new.write_text("format: orgchart/v1\nevents:\n  - {type: establish, date: 2030, unit: n, "
                   "name: N}\n", encoding="utf-8")
    db.chmod(0o444)
    try:
        code, err = orgchart("--db", str(db), "load", str(new), wrapper=without_root_powers())
    finally:
        db.chmod(0o644)
    assert code == 1 and err.startswith(f"Error: the store {db} is read-only: "), err
    assert "busy" not in err
