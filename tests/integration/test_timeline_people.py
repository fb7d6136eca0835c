"""The timeline page's people: a section per person its steps name (every role held,
with dates, titles, units and what became of them, as `orgchart person` lists them),
and each person named in a step linked to it. Exact HTML, without a browser."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.e2e.test_tenures_cli import Write
from tests.e2e.ukdepts import UK

pytestmark = pytest.mark.skipif(shutil.which("dot") is None,
                                reason="Graphviz `dot` is not installed")

JAVID = (
    '<section class="person" id="person-javid" aria-labelledby="person-h-javid">'
    '<h3 id="person-h-javid">Sajid Javid</h3><ol class="roles">'
    '<li class="role"><span class="span">2014-04-09 – 2015-05-08</span> minister: '
    '<span class="unit">Office for Civil Society</span>'
    '<span class="fate muted"> · dissolved on 2015-05-08</span></li>'
    '<li class="role"><span class="span">2015-05-11 – 2016-07-14</span> head, Secretary of '
    'State: <span class="unit">Department for Business, Innovation and Skills</span>'
    '<span class="fate muted"> · merged into Department for Business, Energy and Industrial '
    'Strategy on 2016-07-14</span></li>'
    '<li class="role"><span class="span">2023-02-07 – {still}</span> head, Secretary of '
    'State: <span class="unit">Department for Business and Trade</span></li></ol></section>')


def page(run: Run, write: Write, tmp_path: Path, text: str, *args: str) -> str:
    assert run("load", write("uk.yaml", text)).exit_code == 0
    out = tmp_path / "page.html"
    r = run("timeline", "-o", str(out), *args)
    assert r.exit_code == 0, r.output
    return out.read_text(encoding="utf-8")


def test_each_person_named_has_a_section_and_every_mention_links_to_it(
        run: Run, write: Write, tmp_path: Path) -> None:
    html = page(run, write, tmp_path, UK)
    people = re.search(r'<section class="people" id="people".*?</section></section>', html)
    assert people is not None
    ids = re.findall(r'<section class="person" id="person-([a-z0-9._-]+)"', people.group(0))
    assert ids == ["mandelson", "javid", "clarke"]  # in the order the steps first name them
    assert JAVID.format(still="now") in people.group(0)
    links = re.findall(r'<a class="person-link" href="#person-([a-z0-9._-]+)">([^<]*)</a>',
                       html)
    assert set(links) == {("mandelson", "Peter Mandelson"), ("javid", "Sajid Javid"),
                          ("clarke", "Kenneth Clarke (Ken Clarke)")}
    assert ('<span class="type">appoint</span> <a class="person-link" href="#person-javid">'
            'Sajid Javid</a> appointed minister of Office for Civil Society</p>') in html
    # a leader change links both people
    assert ('<li class="chg chg-leader">Leader (head) of Department for Business, Innovation '
            'and Skills: <a class="person-link" href="#person-mandelson">Peter Mandelson</a>'
            ' → nobody</li>') in html


def test_an_open_role_ends_as_of_the_horizon(run: Run, write: Write, tmp_path: Path) -> None:
    html = page(run, write, tmp_path, UK.replace("recorded: 2025-01-10",
                                                 "recorded: 2025-01-10\ncovers_to: 2024-12-31"))
    assert JAVID.format(still="as of 2024-12-31") in html


def test_a_page_under_a_root_has_only_the_people_it_names(run: Run, write: Write,
                                                          tmp_path: Path) -> None:
    html = page(run, write, tmp_path, UK, "--root", "ocs")
    assert re.findall(r'<section class="person" id="person-([a-z0-9._-]+)"', html) == ["javid"]


def test_what_changed_lists_each_kind_by_name() -> None:
    from orgchart.presentation.page import _Names, change_list

    after = [{"id": "a", "name": "zulu office"}, {"id": "b", "name": "Alpha Office"},
             {"id": "c", "name": "beta office"}]
    names = _Names([{"id": "d", "name": "Old Office"}], after, {})
    changes = [{"change": "added", "unit": u, "before": None, "after": n}
               for u, n in (("a", "zulu office"), ("b", "Alpha Office"), ("c", "beta office"))]
    changes.append({"change": "removed", "unit": "d", "before": "Old Office", "after": None})
    assert [x["text"] for x in change_list(changes, names, {})] == [
        "Ended: Old Office", "New: Alpha Office", "New: beta office", "New: zulu office"]
