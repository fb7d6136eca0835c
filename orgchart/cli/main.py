"""The command line: parse arguments, call one service function, format the result.

Every user error (`OrgchartError`) becomes a `click.ClickException` in one
place, `OrgchartGroup.invoke`: one sentence on stderr and exit 1. A misused
command line exits 2 (click's usage errors).
"""

from __future__ import annotations

import contextlib
import errno
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import click

from orgchart.cli.echo import emit, say, terminal_safe
from orgchart.cli.output import replacing, write_file
from orgchart.domain.dates import EffDate, parse_day
from orgchart.domain.errors import OrgchartError

if TYPE_CHECKING:
    from orgchart.application.service import OrgChartService
    from orgchart.presentation import draw

F = TypeVar("F", bound=Callable[..., Any])


class OrgchartGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OrgchartError as e:  # messages quote event files: shown terminal-safe
            # several problems are one per line, each an `Error:` line
            raise click.ClickException(
                "\nError: ".join(terminal_safe(str(e)).splitlines())) from None
        except Exception as e:
            import sqlite3

            if isinstance(e, sqlite3.Error):  # the query tables' SQLite file, read directly
                raise click.ClickException(terminal_safe(_unreadable(ctx, e))) from None
            raise


def _unreadable(ctx: click.Context, e: Exception) -> str:
    from orgchart.adapters.dbconfig import is_postgres, resolve_db, safe_db_label

    db = resolve_db((ctx.obj or {}).get("db"))
    if is_postgres(db):
        return f"cannot read the local query tables of the store {safe_db_label(db)}: {e}"
    return f"cannot read the store {db}: {e}"


class DateParam(click.ParamType):  # type: ignore[type-arg]
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> EffDate:
        if isinstance(value, EffDate):
            return value
        try:
            return parse_day(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


DATE = DateParam()


def known_at_option(f: F) -> F:
    return click.option("--known-at", "known", type=DATE, default=None,
                        help="Answer as the history was known at the end of this day.")(f)


def root_option(f: F) -> F:
    return click.option("--root", metavar="UNIT", default=None,
                        help="Show only this unit (its id, an alias or a name) and what is "
                             "under it.")(f)


def depth_option(f: F) -> F:
    return click.option("--depth", type=click.IntRange(min=0), default=None,
                        help="Levels to show below the top unit(s); 0 shows the top only.")(f)


def layout_option(f: F) -> F:
    return click.option("--layout", type=click.Choice(["compact", "wide"]), default="compact",
                        show_default=True,
                        help="compact: leaf units stacked in columns, about as wide as tall; "
                             "wide: every level on one row.")(f)


def format_option(*choices: str) -> Callable[[F], F]:
    def deco(f: F) -> F:
        return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                            show_default=True, help="Output format.")(f)
    return deco


def _warn_beyond_horizon(ctx: click.Context, *days: EffDate) -> None:
    """One line on stderr when a date lies after the facts' horizon (called once the answer
    is read, before it is written: the horizon is read as that answer saw the tables)."""
    horizon = service(ctx).beyond_horizon(*days)
    if horizon is not None:
        say(f"warning: no facts recorded after {horizon}", err=True)


def with_option(f: F) -> F:
    return click.option("--with", "with_files", multiple=True, metavar="FILE",
                        type=click.Path(dir_okay=False),
                        help="Answer as if this event file were loaded (a what-if scenario; "
                             "nothing is stored). Repeatable.")(f)


def service(ctx: click.Context) -> OrgChartService:
    """The service on `--db`, seen with the command's `--with` files (if any)."""
    from orgchart.application.service import OrgChartService

    svc = OrgChartService(ctx.obj["db"], ctx.params.get("with_files") or ())
    ctx.call_on_close(svc.close)
    return svc


@click.group(cls=OrgchartGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="ORGCHART_DB", default=None, metavar="PATH_OR_URL",
              help="SQLite file (default ./orgchart.db) or postgresql://… URL. "
                   "Also $ORGCHART_DB.")
@click.version_option(package_name="orgchart")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """orgchart: an event-sourced, cited history of organisations."""
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-q", "--quiet", is_flag=True, help="No progress bar (it shows only on a terminal).")
@click.option("--check", "--dry-run", "check", is_flag=True,
              help="Validate against the store and print what the load would change; "
                   "write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format of --check.")
@click.pass_context
def load(ctx: click.Context, files: tuple[str, ...], quiet: bool, check: bool,
         fmt: str) -> None:
    """Validate event files and append their new events (atomic per file).

    With --check (or --dry-run) nothing is written: each file is validated as
    the load would (after the files before it), with the same errors and exit
    codes, and the output says what it would change: the number of new events
    and, for each distinct effective date they touch, the `diff` from the day
    before to that date. As JSON: a list with one object per file,
    {"file", "new_events", "diffs": [{"from", "to", "changes"}]}, the changes
    shaped as in `diff --format json`.

    Example: orgchart load seeds/alibaba-2026.yaml

    Example: orgchart load --check proposal.yaml
    """
    from orgchart.cli.progress import LoadProgress

    svc = service(ctx)
    if check:
        _load_check(svc, files, fmt)
        return

    def report(r: Any) -> None:
        say(f"{r.path}: {r.added} new event{'s' if r.added != 1 else ''}")

    with LoadProgress(enabled=not quiet) as progress:
        svc.load(files, on_file=report, on_progress=progress.update)


def _load_check(svc: OrgChartService, files: tuple[str, ...], fmt: str) -> None:
    """Print what loading `files` would change (`load --check`)."""
    from orgchart.presentation import explain_text, formats

    checks = svc.check_load(files)
    if fmt == "json":
        emit(formats.to_json([
            {"file": c.path, "new_events": c.new_events,
             "diffs": [{k: d["diff"][k] for k in ("from", "to", "changes")}
                       for d in c.diffs]} for c in checks]))
        return
    for c in checks:
        say(f"{c.path}: {c.new_events} new event{'s' if c.new_events != 1 else ''} "
            f"(checked: nothing written)")
        for d in c.diffs:
            say("")
            say(explain_text.diff_text(d), nl=False)


@cli.command()
@click.argument("day", metavar="DATE", type=DATE)
@known_at_option
@root_option
@depth_option
@format_option("tree", "json", "csv", "dot", "mermaid")
@layout_option
@with_option
@click.pass_context
def at(ctx: click.Context, day: EffDate, known: EffDate | None, root: str | None,
       depth: int | None, fmt: str, layout: str, with_files: tuple[str, ...]) -> None:
    """The chart as it stood on DATE (YYYY, YYYY-MM, YYYY-MM-DD or `today`).

    `--layout` shapes the DOT of `--format dot` (exactly what `render` draws).
    """
    from orgchart.presentation import formats

    if fmt == "tree":
        tree = formats.chart_tree(service(ctx).at_tree(day, known, root, depth))
        _warn_beyond_horizon(ctx, day)
        say(tree, nl=False)
        return
    chart = service(ctx).at(day, known, root, depth)
    _warn_beyond_horizon(ctx, day)
    if fmt == "json":
        emit(formats.chart_json_bytes(chart), nl=False)
    elif fmt == "csv":
        emit(formats.chart_csv(chart), nl=False)
    else:
        from orgchart.presentation import graph

        if fmt == "dot":  # exactly the DOT that `render` draws
            chart = service(ctx).render_data(day, known, root, depth)["chart"]
        emit(graph.chart_dot(chart, layout=layout) if fmt == "dot"
             else graph.chart_mermaid(chart), nl=False)


@cli.command()
@click.argument("day", metavar="DATE", type=DATE)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write here (`-` for stdout); default chart-DATE.<format>.")
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "pdf", "dot"]), default=None,
              help="Output format  [default: from the -o suffix, else svg]")
@click.option("--since", type=DATE, default=None,
              help="Highlight what changed since this date.")
@root_option
@depth_option
@known_at_option
@layout_option
@with_option
@click.pass_context
def render(ctx: click.Context, day: EffDate, output: str | None, fmt: str | None,
           since: EffDate | None, root: str | None, depth: int | None,
           known: EffDate | None, layout: str, with_files: tuple[str, ...]) -> None:
    """Draw the chart as it stood on DATE with Graphviz (SVG unless told otherwise).

    With --with FILE (and no --since), what the scenario changes up to DATE is
    highlighted: the changes since the day before the earliest date it touches.

    Example: orgchart render 2026-04-01 --since 2026-03-31 -o chart.svg
    """
    from orgchart.presentation import draw, graph

    fmt = fmt or _image_format(output)
    with draw.Drawing(fmt) as drawing:  # Graphviz starts while the chart is read
        if since is None and with_files:  # highlight the scenario's impact
            since = service(ctx).scenario_since(day)
        data = service(ctx).render_data(day, known, root, depth, since)
        dot = drawing.feed(graph.chart_dot_lines(data["chart"], data["delta"], layout=layout))
        _warn_of_boxes(fmt, dot)
        _write_image(drawing, output or f"chart-{day}.{fmt}")


@cli.command()
@click.option("--from", "start", type=DATE, default=None, help="First effective date.")
@click.option("--to", "end", type=DATE, default=None, help="Last effective date.")
@click.option("--unit", default=None,
              help="Only events that name this unit (its id, an alias or a name).")
@format_option("text", "json")
@click.pass_context
def log(ctx: click.Context, start: EffDate | None, end: EffDate | None, unit: str | None,
        fmt: str) -> None:
    """The events in effective order, with ids, recorded times and sources."""
    from orgchart.presentation import formats

    rows = service(ctx).log(start, end, unit)
    if fmt == "json":
        emit(formats.to_json(rows) + "\n", nl=False)
    else:
        say(formats.log_text(rows), nl=False)


@cli.command()
@click.argument("event_id")
@click.option("--reason", required=True, help="Why the event is retracted.")
@click.pass_context
def retract(ctx: click.Context, event_id: str, reason: str) -> None:
    """Append a retraction of EVENT_ID (the event stays in the log)."""
    rid = service(ctx).retract(event_id, reason)
    say(f"retracted {event_id} (retraction {rid})")


@cli.command()
@format_option("yaml", "json")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout.")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: str | None) -> None:
    """All recorded events as one orgchart/v1 file that loads back to the same history."""
    from orgchart.adapters.eventfile.dump import dump_document

    text = dump_document(service(ctx).export(), fmt)
    if output:
        write_file(output, text)
        say(f"wrote {output}", err=True)
    else:
        emit(text, nl=False)


@cli.command()
@click.option("--expect", metavar="HEAD", default=None,
              help="A chain head printed by an earlier verify and kept elsewhere: check that "
                   "the history up to it is unchanged.")
@click.pass_context
def verify(ctx: click.Context, expect: str | None) -> None:
    """Check the log, its snapshots and that the query tables match a replay from scratch;
    print the log's chain head."""
    say(service(ctx).verify(expect))


@cli.command()
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Rebuild the query tables from the log (after `verify` found them damaged)."""
    version = service(ctx).rebuild()
    say(f"rebuilt the query tables from {version} log entries")


# -- explaining a reorganisation: diff, history, lineage (presentation.explain_text) ------

@cli.command()
@click.argument("d1", metavar="D1", type=DATE)
@click.argument("d2", metavar="D2", type=DATE)
@known_at_option
@root_option
@format_option("text", "json")
@with_option
@click.pass_context
def diff(ctx: click.Context, d1: EffDate, d2: EffDate, known: EffDate | None,
         root: str | None, fmt: str, with_files: tuple[str, ...]) -> None:
    """What changed from D1 to D2, and the events that did it (D1 after D2 reverses it).

    Example: orgchart diff 2026-03-31 2026-04-01
    """
    from orgchart.presentation import explain_text, formats

    if fmt == "json":
        text = formats.to_json(service(ctx).diff(d1, d2, known, root)) + "\n"
    else:
        text = explain_text.diff_text(service(ctx).explain_diff(d1, d2, known, root))
    _warn_beyond_horizon(ctx, d1, d2)
    if fmt == "json":
        emit(text, nl=False)
    else:
        say(text, nl=False)


@cli.command()
@click.argument("unit")
@known_at_option
@format_option("text", "json")
@with_option
@click.pass_context
def history(ctx: click.Context, unit: str, known: EffDate | None, fmt: str,
            with_files: tuple[str, ...]) -> None:
    """One unit's story: how it began, its names and kinds, parents, leaders and the
    functions transferred to or from it, how it ended. UNIT is the unit's id, one of its
    aliases or a name it bore (any case).

    Example: orgchart history search-rec
    """
    from orgchart.presentation import explain_text, formats

    if fmt == "json":
        emit(formats.to_json(service(ctx).history(unit, known)))
    else:
        say(explain_text.history_text(service(ctx).explain_history(unit, known)),
                   nl=False)


@cli.command()
@click.argument("unit")
@known_at_option
@format_option("text", "json")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Draw it with Graphviz into this file, left to right over time; the "
                   "suffix picks svg, png, pdf or dot (default svg; `-` is SVG on stdout).")
@click.pass_context
def lineage(ctx: click.Context, unit: str, known: EffDate | None, fmt: str,
            output: str | None) -> None:
    """The unit's ancestry and descendants through splits and merges, any generations
    (and, one link away, the units it transferred functions to or took them from).
    UNIT is the unit's id, one of its aliases or a name it bore (any case).

    Example: orgchart lineage smart-algorithms
    """
    from orgchart.presentation import explain_text, formats

    if output is not None:
        from orgchart.presentation import draw

        with draw.Drawing(_image_format(output)) as drawing:  # starts while it is read
            _draw_lineage(drawing, service(ctx).lineage(unit, known), output,
                          service(ctx).horizon())
        return
    if fmt == "json":
        emit(formats.to_json(service(ctx).lineage(unit, known)))
    else:
        say(explain_text.lineage_text(service(ctx).explain_lineage(unit, known)),
                   nl=False)


@cli.command()
@click.argument("person_id", metavar="ID_OR_NAME")
@known_at_option
@format_option("text", "json")
@click.pass_context
def person(ctx: click.Context, person_id: str, known: EffDate | None, fmt: str) -> None:
    """Every role a person held, in every unit, with dates, titles and sources, and what
    became of each unit (renamed, merged, split, dissolved). ID_OR_NAME is a person's id,
    or a name or English name only one person has.

    Example: orgchart person zhang-kaifu
    """
    from orgchart.application import browse
    from orgchart.presentation import formats, people_text

    if fmt == "json":
        emit(formats.to_json(browse.person(service(ctx), person_id, known)))
    else:
        say(people_text.person_text(browse.explain_person(service(ctx), person_id, known)),
            nl=False)


@cli.command()
@click.option("--at", "day", metavar="DATE", type=DATE, default=None,
              help="Only the roles held on this day, with their units.")
@known_at_option
@format_option("text", "json")
@click.pass_context
def people(ctx: click.Context, day: EffDate | None, known: EffDate | None, fmt: str) -> None:
    """Every recorded person by name; with --at DATE, who held which role that day.

    Example: orgchart people --at 2026-04-01
    """
    from orgchart.application import browse
    from orgchart.presentation import formats, people_text

    data = browse.people(service(ctx), day, known)
    if fmt == "json":
        emit(formats.to_json(data))
    else:
        say(people_text.people_text(data), nl=False)


def _draw_lineage(drawing: draw.Drawing, graph: dict[str, Any], output: str,
                  horizon: str | None = None) -> None:
    from orgchart.presentation import lineage

    dot = drawing.feed([lineage.lineage_dot(graph, horizon=horizon)])
    _warn_of_boxes(drawing.fmt, dot)
    _write_image(drawing, output)


def _image_format(output: str | None) -> str:
    """The format of an image written to `output`: its suffix's (svg, png, pdf, dot), else
    svg."""
    from orgchart.presentation import draw

    suffix = output.rsplit(".", 1)[-1].lower() if output and "." in output else ""
    return suffix if suffix in draw.FORMATS else "svg"


def _warn_of_boxes(fmt: str, dot: str) -> None:
    """Warn when a PNG or PDF of `dot` has Chinese that no installed font can show."""
    from orgchart.presentation import draw

    if fmt in ("png", "pdf") and draw.has_cjk(dot):
        warning = draw.cjk_font_warning()
        if warning:
            say(warning, err=True)


def _write_image(drawing: draw.Drawing, target: str) -> None:
    """The image of the DOT text fed to `drawing` to `target` (`-`: stdout), saying where it
    went. Into a file, it is copied from Graphviz's own (`draw.Drawing.into`): it never
    passes through Python."""
    if target == "-":
        emit(drawing.image(), nl=False)
        return
    with replacing(target) as out:
        drawing.into(out)
    say(f"wrote {target}")


# -- a shareable history: one self-contained HTML page (orgchart.presentation.page) ---------

@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              default="history.html", show_default=True,
              help="Write the page here (`-` for stdout).")
@click.option("--from", "start", type=DATE, default=None,
              help="First effective date to show (default: the first event).")
@click.option("--to", "end", type=DATE, default=None,
              help="Last effective date to show (default: the last event).")
@root_option
@known_at_option
@with_option
@click.pass_context
def timeline(ctx: click.Context, output: str, start: EffDate | None, end: EffDate | None,
             root: str | None, known: EffDate | None, with_files: tuple[str, ...]) -> None:
    """Write the history as one HTML page that works offline: every date with a change,
    the chart then (changes since the previous date highlighted) and the events with
    their sources. Arrow keys step through the dates; each date has a link (#DATE).

    Example: orgchart timeline -o history.html
    """
    from orgchart.presentation import page

    def warn(line: str) -> None:
        say(line, err=True)

    with service(ctx).history_page(start, end, root, known) as steps:
        if output == "-":  # each step goes out as it is made
            with _stdout_bytes() as out:
                page.write_timeline(steps, out, warn=warn)
            return
        with replacing(output) as out:
            page.write_timeline(steps, out, warn=warn)
    say(f"wrote {output}")


@contextlib.contextmanager
def _stdout_bytes() -> Iterator[BinaryIO]:
    """stdout as bytes; a failed write is one line on stderr, as `emit` makes it."""
    stream: BinaryIO = sys.stdout.buffer
    try:
        yield stream
        stream.flush()
    except OSError as e:
        if e.errno == errno.EPIPE:
            raise
        raise click.ClickException(f"cannot write to stdout: {e.strerror or e}") from None


# -- HR snapshots to events (orgchart.application.snapshot) -------------------------------

@cli.command("import-snapshot")
@click.argument("day", metavar="DATE", type=DATE, required=False)
@click.argument("file", metavar="FILE", required=False, type=click.Path(dir_okay=False))
@click.option("--series", metavar="DIR", type=click.Path(file_okay=False), default=None,
              help="Import every snapshot in DIR, named by date (2025-01-31.csv), in order.")
@click.option("--id", "id_col", metavar="COL", default=None, help="The unit id column.")
@click.option("--name", "name_col", metavar="COL", default=None, help="The unit name column.")
@click.option("--parent", "parent_col", metavar="COL", default=None,
              help="The parent unit id column.")
@click.option("--head", "head_col", metavar="COL", default=None,
              help="The column with the head's name.")
@click.option("--head-title", "head_title_col", metavar="COL", default=None,
              help="The column with the head's title.")
@click.option("--head-id", "head_id_col", metavar="COL", default=None,
              help="The column with the head's person id (else derived from the name).")
@click.option("--kind", "kind_col", metavar="COL", default=None, help="The unit kind column.")
@click.option("--name-en", "name_en_col", metavar="COL", default=None,
              help="The English name column.")
@click.option("--source", metavar="TEXT", default=None,
              help="Cite this on every event: a recorded source id, or a new source's title.")
@click.option("-o", "--output", metavar="EVENTS.yaml", type=click.Path(dir_okay=False),
              default=None, help="Write the events to this file (default: stdout).")
@click.option("--apply", "apply_", is_flag=True,
              help="Append the events to the store instead of writing them out.")
@click.pass_context
def import_snapshot(ctx: click.Context, day: EffDate | None, file: str | None,
                    series: str | None, id_col: str | None, name_col: str | None,
                    parent_col: str | None, head_col: str | None, head_title_col: str | None,
                    head_id_col: str | None, kind_col: str | None, name_en_col: str | None,
                    source: str | None, output: str | None, apply_: bool) -> None:
    """Turn HR snapshots (one row per unit: id, name, parent, head) into events.

    Compares the snapshot FILE (CSV, TSV, XLSX or `at --format json`) with the
    chart on DATE and writes the events that turn one into the other as a
    reviewable orgchart/v1 file, proposing splits and merges where children
    moved from vanished units to new ones. With --series DIR, every snapshot
    in DIR is imported in date order. Nothing is written if any snapshot or
    step is invalid.

    Example: orgchart import-snapshot 2026-04-01 hr-2026-04-01.csv -o events.yaml
    """
    from orgchart.application.snapshot.importer import import_snapshots, series_files
    from orgchart.application.snapshot.read import Columns

    if series is not None and (day is not None or file is not None):
        raise click.UsageError("give either DATE FILE or --series DIR, not both")
    if series is None and (day is None or file is None):
        raise click.UsageError("give DATE FILE (one snapshot) or --series DIR")
    if apply_ and output is not None:
        raise click.UsageError("-o and --apply cannot be used together")
    columns = Columns(id=id_col, name=name_col, parent=parent_col, head=head_col,
                      head_title=head_title_col, head_id=head_id_col, kind=kind_col,
                      name_en=name_en_col)
    if series is not None:
        items = series_files(series)
    else:
        assert day is not None and file is not None
        items = [(day, file)]
    result = import_snapshots(service(ctx), items, columns, source, apply=apply_)
    count = f"{result.events} event{'s' if result.events != 1 else ''}"
    shots = f"{len(result.steps)} snapshot{'s' if len(result.steps) != 1 else ''}"
    if apply_:
        say(f"{shots}: {count} planned, {result.added} new appended")
    elif output is not None:
        write_file(output, result.text)
        say(f"wrote {output}: {count} from {shots}", err=True)
    else:
        emit(result.text, nl=False)


def main() -> None:
    cli(obj={})


def _add_commands() -> None:
    from orgchart.cli.add import add_group

    cli.add_command(add_group)


_add_commands()


# -- writing event files: the schema and a starter (orgchart.application.authoring) -------

@cli.command()
def schema() -> None:
    """Print the JSON Schema of orgchart/v1 event files (for editors and validators)."""
    from orgchart.application.authoring import schema_text

    emit(schema_text(), nl=False)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
def init(file: str) -> None:
    """Write a starter event file FILE with comments and one example of every event type.

    Its first line tells YAML editors (yaml-language-server) to check it against
    orgchart-v1.schema.json, which is written beside it when missing.

    Example: orgchart init history.yaml
    """
    from orgchart.application.authoring import init_file

    written = init_file(file)
    beside = f" and {written.schema}" if written.schema else ""
    say(f"wrote {written.path}{beside}")


# -- exploring in a browser: a local, read-only web app (orgchart.web) -----------------------

@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface; anyone who can reach it "
                   "can read the store).")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Explore the store in a browser: the chart on any date as a tree that opens level by
    level, search, unit and person pages, what changed between two dates, and a JSON API.
    Read-only; nothing is fetched from outside. Ctrl+C stops it.

    Example: orgchart --db demo.db serve
    """
    import contextlib

    from orgchart.adapters.dbconfig import safe_db_label
    from orgchart.web import server
    from orgchart.web.app import allowed_hosts, create_app

    svc = service(ctx)
    with svc.query_db():  # a missing or empty store is an error now, not on the first page
        pass
    sock = server.bind(host, port)
    say(f"orgchart: exploring {safe_db_label(svc.db)} at {server.url_of(sock)} "
        f"(read-only; Ctrl+C to stop)")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C: a normal way to stop
        server.run(create_app(ctx.obj["db"], allowed_hosts(host)), sock)
    say("orgchart: stopped")
