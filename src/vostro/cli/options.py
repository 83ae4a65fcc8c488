"""What every command group shares: its options, its consoles, opening the platform or the
ledger's store for one command, and printing errors, amounts, times and tables.

Nothing here reads the environment at import: a command builds its `Settings` when it runs
(`settings_for`), so `vostro --help` and a bad setting never fail before a command starts.

Untrusted text is printed as text. The consoles interpret no Rich markup and no emoji codes in
what they print (a participant named "[red]x[/red]" shows as that), and every string they render,
table cells included, goes through `vostro.text.shown`: control characters, C1, bidirectional
overrides and the like come out as visible escapes (`\x1b[31m`), never as terminal commands
(only the line breaks the command prints itself stay line breaks).
Styles come from the code (`styled`, `style=`), never from the text. Text options (names,
end-to-end ids, reasons) are checked against their `vostro.text` type as they are parsed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console, HighlighterType, JustifyMethod, OverflowMethod
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.style import Style
from rich.table import Table
from rich.text import Text

from vostro.money import parse_amount
from vostro.text import LABEL, PARTICIPANT_NAME, REASON, TextType, shown
from vostro.units import NS_PER_S

if TYPE_CHECKING:
    from vostro.config import Settings
    from vostro.platform import Platform
    from vostro.store.base import Store


class PlainConsole(Console):
    """A console that prints strings as they are: no markup, no emoji codes, and characters a
    terminal would obey shown as escapes."""

    def __init__(self, **options: Any) -> None:
        super().__init__(markup=False, emoji=False, **options)

    def render_str(
        self,
        text: str,
        *,
        style: str | Style = "",
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        emoji: bool | None = None,
        markup: bool | None = None,
        highlight: bool | None = None,
        highlighter: HighlighterType | None = None,
    ) -> Text:
        return super().render_str(
            for_terminal(text),
            style=style,
            justify=justify,
            overflow=overflow,
            emoji=False,
            markup=False,
            highlight=highlight,
            highlighter=highlighter,
        )


console = PlainConsole()
err = PlainConsole(stderr=True)


def for_terminal(text: str) -> str:
    """`text` with every character a terminal would obey written as an escape
    (`vostro.text.shown`), except the line breaks the command itself prints."""
    return "\n".join(shown(line) for line in text.split("\n"))


def styled(*parts: str | tuple[str, str]) -> Text:
    """One line, some of its parts in a style: `styled(("error:", "red"), " ", message)`. Each
    part is shown as it is (`for_terminal`), whatever it holds."""
    return Text.assemble(
        *((for_terminal(p[0]), p[1]) if isinstance(p, tuple) else for_terminal(p) for p in parts)
    )


def checked(kind: TextType) -> Callable[[Any], Any]:
    """An option's callback: its text must be a `kind` (names the option when it is not)."""

    def check(value: Any) -> Any:
        for one in value if isinstance(value, list | tuple) else [value]:
            problem = kind.problem(one) if isinstance(one, str) else None
            if problem is not None:
                raise typer.BadParameter(problem)
        return value

    return check


def _database_url(help_text: str | None) -> Any:
    return typer.Option("--database-url", help=help_text)


# Each group kept the help text it had: the payment and compliance commands, the ledger's own
# commands, the service and its keys, and the ISO 20022 commands (no help).
DatabaseUrl = Annotated[str | None, _database_url("Default: $VOSTRO_DATABASE_URL")]
LedgerDatabaseUrl = Annotated[
    str | None,
    _database_url(
        "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB "
        "(default: $VOSTRO_DATABASE_URL, else sqlite:///vostro.db)"
    ),
]
ServiceDatabaseUrl = Annotated[
    str | None, _database_url("sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
]
IsoDatabaseUrl = Annotated[str | None, _database_url(None)]

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
JsonTableFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
JsonObjectFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
JsonPlainFlag = Annotated[bool, typer.Option("--json")]

Actor = Annotated[
    str,
    typer.Option(
        help="Who is acting, for the audit log (not with --url: the API key names who acts).",
        callback=checked(LABEL),
    ),
]
# A reason for the audit log (and, for a return, the pacs.004's AdditionalInformation).
ReasonOption = Annotated[str, typer.Option(callback=checked(REASON))]
NameOption = Annotated[str, typer.Option(help="Legal name", callback=checked(PARTICIPANT_NAME))]


# ------------------------------------------------------------ settings, platform, store
def settings_for(database_url: str | None) -> Settings:
    """One command's settings: the environment's, with `--database-url` over its URL."""
    from vostro.config import Settings

    return Settings(database_url=database_url) if database_url else Settings()


def open_platform(database_url: str | None, settings: Settings | None = None) -> Platform:
    """The platform on the command's database (`with open_platform(url) as platform:`)."""
    from vostro.platform import Platform

    settings = settings or settings_for(database_url)
    return Platform.open(settings.database_url, settings=settings)


def open_reader(database_url: str | None) -> Platform:
    """The platform on the command's database, to read only: it never takes the writer lock,
    so it works beside a running service (`with open_reader(url) as platform:`)."""
    from vostro.platform import Platform

    settings = settings_for(database_url)
    return Platform.open(settings.database_url, settings=settings, read_only=True)


@contextmanager
def opened_store(database_url: str | None, *, migrate: bool = True) -> Iterator[Store]:
    """The ledger's store on the command's database, disposed of when the block ends."""
    from vostro.store import open_store

    store = open_store(settings_for(database_url).database_url, migrate=migrate)
    try:
        yield store
    finally:
        store.dispose()


# ------------------------------------------------------------------------ amounts
def minor_units(text: str, code: str) -> int:
    """An amount written with its currency ("1,000.00 INR"), which must be `code`."""
    return parse_amount(text, code)[0]


def number_in(number: str, code: str) -> int:
    """A number written without its currency ("1,000.00"), in minor units of `code`."""
    return minor_units(f"{number} {code}", code)


# ------------------------------------------------------------------------- errors
def print_error(message: object, label: str = "error:") -> None:
    """One error, on one line of stderr however long (a sentence a script can search)."""
    err.print(styled((label, "red"), " ", str(message)), soft_wrap=True)


def fail(message: object, label: str = "error:") -> NoReturn:
    """Print the error on stderr and end the command with exit code 1."""
    print_error(message, label)
    raise typer.Exit(1)


# ------------------------------------------------------------------------- output
def utc(ns: int, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A time in nanoseconds since the epoch, as UTC."""
    return time.strftime(fmt, time.gmtime(ns // NS_PER_S))


def new_table(title: str, columns: Iterable[str], *, right: Collection[str] = ()) -> Table:
    """A table with these columns, those named in `right` justified right."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    return table


def figures_table(
    title: str,
    figures: Mapping[str, object],
    grouped: type | tuple[type, ...] = int,
    *,
    skip: Collection[str] = (),
) -> Table:
    """A benchmark's figures, measure by measure; values of the `grouped` types get thousands
    separators."""
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        if key not in skip:
            table.add_row(key, f"{value:,}" if isinstance(value, grouped) else str(value))
    return table


def progress() -> Progress:
    """A progress bar on stderr (stdout stays for the result)."""
    return Progress(
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )
