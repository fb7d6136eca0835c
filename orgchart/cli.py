"""The command line: parse arguments, call one service function, format the result.

Every user error (`OrgchartError`) becomes a `click.ClickException` in one
place, `OrgchartGroup.invoke`: one sentence on stderr and exit 1. A misused
command line exits 2 (click's usage errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from orgchart.domain.dates import EffDate, parse_day
from orgchart.errors import OrgchartError

if TYPE_CHECKING:
    from orgchart.service import OrgChartService

F = TypeVar("F", bound=Callable[..., Any])


class OrgchartGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OrgchartError as e:
            raise click.ClickException(str(e)) from None


class DateParam(click.ParamType):
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
                        help="Show only this unit and what is under it.")(f)


def depth_option(f: F) -> F:
    return click.option("--depth", type=click.IntRange(min=0), default=None,
                        help="Levels to show below the top unit(s); 0 shows the top only.")(f)


def format_option(*choices: str) -> Callable[[F], F]:
    def deco(f: F) -> F:
        return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                            show_default=True, help="Output format.")(f)
    return deco


def service(ctx: click.Context) -> OrgChartService:
    from orgchart.service import OrgChartService

    svc = OrgChartService(ctx.obj["db"])
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
@click.pass_context
def load(ctx: click.Context, files: tuple[str, ...]) -> None:
    """Validate event files and append their new events (atomic per file).

    Example: orgchart load seeds/alibaba-2026.yaml
    """
    svc = service(ctx)

    def report(r: Any) -> None:
        click.echo(f"{r.path}: {r.added} new event{'s' if r.added != 1 else ''}")

    svc.load(files, on_file=report)


@cli.command()
@click.argument("day", metavar="DATE", type=DATE)
@known_at_option
@root_option
@depth_option
@format_option("tree", "json", "csv", "dot", "mermaid")
@click.pass_context
def at(ctx: click.Context, day: EffDate, known: EffDate | None, root: str | None,
       depth: int | None, fmt: str) -> None:
    """The chart as it stood on DATE (YYYY, YYYY-MM, YYYY-MM-DD or `today`)."""
    from orgchart import formats

    chart = service(ctx).at(day, known, root, depth)
    if fmt == "tree":
        click.echo(formats.chart_tree(chart), nl=False)
    elif fmt == "json":
        click.echo(formats.chart_json(chart), nl=False)
    elif fmt == "csv":
        click.echo(formats.chart_csv(chart), nl=False)
    else:
        from orgchart.render import graph

        click.echo(graph.chart_dot(chart) if fmt == "dot" else graph.chart_mermaid(chart),
                   nl=False)


@cli.command()
@click.option("--from", "start", type=DATE, default=None, help="First effective date.")
@click.option("--to", "end", type=DATE, default=None, help="Last effective date.")
@click.option("--unit", default=None, help="Only events that name this unit.")
@format_option("text", "json")
@click.pass_context
def log(ctx: click.Context, start: EffDate | None, end: EffDate | None, unit: str | None,
        fmt: str) -> None:
    """The events in effective order, with ids, recorded times and sources."""
    from orgchart import formats

    rows = service(ctx).log(start, end, unit)
    click.echo(formats.to_json(rows) + "\n" if fmt == "json" else formats.log_text(rows),
               nl=False)


@cli.command()
@click.argument("event_id")
@click.option("--reason", required=True, help="Why the event is retracted.")
@click.pass_context
def retract(ctx: click.Context, event_id: str, reason: str) -> None:
    """Append a retraction of EVENT_ID (the event stays in the log)."""
    rid = service(ctx).retract(event_id, reason)
    click.echo(f"retracted {event_id} (retraction {rid})")


@cli.command()
@format_option("yaml", "json")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout.")
@click.pass_context
def export(ctx: click.Context, fmt: str, output: str | None) -> None:
    """All recorded events as one orgchart/v1 file that loads back to the same history."""
    from orgchart.eventfile.dump import dump_document

    text = dump_document(service(ctx).export(), fmt)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.pass_context
def verify(ctx: click.Context) -> None:
    """Check the log and that the query tables match a replay from scratch."""
    click.echo(service(ctx).verify())


def main() -> None:
    cli(obj={})
