"""`orgchart schema` and `orgchart init`: the schema for editors and a starter file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from orgchart.cli import cli
from tests.conftest import ROOT, Run

SCHEMA = ROOT / "events" / "orgchart-v1.schema.json"


def invoke(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args), obj={})
    return r.exit_code, r.stdout, r.stderr


def test_schema_prints_the_json_schema() -> None:
    code, out, _ = invoke("schema")
    assert code == 0
    assert out == SCHEMA.read_text(encoding="utf-8")
    assert json.loads(out)["title"] == "orgchart/v1 event file"


def test_init_writes_a_starter_and_the_schema_beside_it(tmp_path: Path, run: Run) -> None:
    target = tmp_path / "history.yaml"
    code, out, _ = invoke("init", str(target))
    assert code == 0
    assert out == f"wrote {target} and {tmp_path / 'orgchart-v1.schema.json'}\n"
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=orgchart-v1.schema.json"
    assert (tmp_path / "orgchart-v1.schema.json").read_text(encoding="utf-8") == \
        SCHEMA.read_text(encoding="utf-8")
    r = run("load", str(target))
    assert (r.exit_code, r.output) == (0, f"{target}: 1 new event\n")


def test_init_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "history.yaml"
    target.write_text("mine\n", encoding="utf-8")
    code, _, err = invoke("init", str(target))
    assert code == 1
    assert err == f"Error: {target} already exists; `orgchart init` never overwrites a file\n"
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "orgchart-v1.schema.json").exists()


def test_init_keeps_a_schema_already_there(tmp_path: Path) -> None:
    (tmp_path / "orgchart-v1.schema.json").write_text("{}", encoding="utf-8")
    code, out, _ = invoke("init", str(tmp_path / "a.yaml"))
    assert (code, out) == (0, f"wrote {tmp_path / 'a.yaml'}\n")
    assert (tmp_path / "orgchart-v1.schema.json").read_text(encoding="utf-8") == "{}"


def test_init_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    code, _, err = invoke("init", str(tmp_path / "no" / "a.yaml"))
    assert code == 1 and err.count("\n") == 1 and "does not exist" in err


def test_every_commented_example_loads_and_every_event_type_has_one(tmp_path: Path,
                                                                    run: Run) -> None:
    """Uncommented, the starter's examples are a valid history covering every type."""
    invoke("init", str(tmp_path / "starter.yaml"))
    text = (tmp_path / "starter.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("# - type:"))
    body = [re.sub(r"^  # ", "  ", line) for line in lines[start:]]
    uncommented = "\n".join(lines[:start] + body) + "\n"
    types = set(re.findall(r"^  - type: (\w+)", uncommented, re.M))
    enum = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]["event"]["properties"][
        "type"]["enum"]
    assert types == set(enum)
    retract_at = uncommented.index("  - type: retract")
    first = tmp_path / "all.yaml"
    first.write_text(uncommented[:retract_at], encoding="utf-8")
    r = run("load", str(first))
    assert r.exit_code == 0, r.output
    # two establish examples; the retraction and the annotation come in the second file
    assert r.output == f"{first}: {len(enum)} new events\n"
    step_down = next(e for e in json.loads(run("log", "--format", "json").output)
                     if e["type"] == "step_down")
    transfer = next(e for e in json.loads(run("log", "--format", "json").output)
                    if e["type"] == "transfer")
    second = tmp_path / "retract.yaml"  # the retraction's EVENT-ID, then the annotation's
    second.write_text(uncommented.replace("EVENT-ID", step_down["id"], 1)
                      .replace("EVENT-ID", transfer["id"], 1), encoding="utf-8")
    r = run("load", str(second))
    assert (r.exit_code, r.output) == (0, f"{second}: 2 new events\n")


def test_the_starters_covers_to_and_order_examples_load(tmp_path: Path, run: Run) -> None:
    """Uncommented, `covers_to` states the data's horizon and `order` puts Research
    before Labs (by name it would come after)."""
    invoke("init", str(tmp_path / "starter.yaml"))
    text = (tmp_path / "starter.yaml").read_text(encoding="utf-8")
    assert "\n# covers_to: 2025-12-31 " in text and "  #   order: 1 " in text
    text = text.replace("\n# covers_to: ", "\ncovers_to: ")
    first, retract_at = text.index("  # - type: "), text.index("  # - type: retract")
    text = text[:first] + re.sub(r"(?m)^  # ", "  ", text[first:retract_at])
    path = tmp_path / "all.yaml"
    path.write_text(text, encoding="utf-8")
    assert run("load", str(path)).exit_code == 0
    r = run("at", "2022-12-01")
    assert r.stdout.startswith("My organisation — on 2022-12-01\n\n"
                               "Example Corp  [company, since 2020] [1]\n"
                               "├── Research & Development  [division, since 2021-01, "
                               "named so since 2022-06-01]\n"
                               "└── Labs  [since 2022-06-01]\n\nNotes\n  [1] ")
    r = run("at", "2030")
    assert r.stderr == "warning: no facts recorded after 2025-12-31\n"
