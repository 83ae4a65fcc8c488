"""`vostro iso`: ISO 20022 messages checked, imported, and written (pacs.002 status reports,
camt.053 statements). Every message is validated against the official schemas. With `--url` an
imported message is sent as it is to the running service (`vostro.cli.client`), which answers
with the pacs.002."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vostro.cli.client import either
from vostro.cli.options import (
    IsoDatabaseUrl,
    JsonObjectFlag,
    console,
    err,
    fail,
    new_table,
    open_platform,
    open_reader,
    settings_for,
    styled,
)
from vostro.money import format_amount
from vostro.text import json_escaped

if TYPE_CHECKING:
    from vostro.iso20022.inbound import InboundMessage
    from vostro.platform import Platform

app = typer.Typer(no_args_is_help=True, help="ISO 20022 messages (pacs.008, pacs.009).")
PAYMENT_COLUMNS = ("UETR", "debtor agent", "creditor agent", "settlement amount", "instructed")
# A pacs.002 refusing the whole message: its group status RJCT (with any namespace prefix).
GROUP_REJECTED = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?GrpSts>\s*RJCT\s*<")


@app.command("check")
def iso_check(file: Path, as_json: JsonObjectFlag = False) -> None:
    """Validate a message strictly and show the payments it would create (nothing is submitted;
    parties need not be registered). Exits 1 with the ISO reason code if it is refused."""
    from vostro.iso20022.inbound import MessageRejected, read_message

    xsd_dir = settings_for(None).iso20022_xsd_dir
    data = file.read_bytes()
    try:
        message = read_message(data, xsd_dir)
    except MessageRejected as not_a_payment:
        rejected = not_a_payment
        try:
            if "namespace" in rejected.reason and _show_report(data, xsd_dir, as_json):
                return
        except MessageRejected as refused_report:  # a status report or return, refused
            rejected = refused_report
        if as_json:
            print(
                json.dumps({"ok": False, "reason_code": rejected.code, "reason": rejected.reason})
            )
        else:
            err.print(styled((f"RJCT {rejected.code}", "red"), f": {rejected.reason}"))
        raise typer.Exit(1) from None
    if as_json:
        print(json_escaped(json.dumps(_message_document(message), ensure_ascii=False)))
        return
    title = f"{message.message_type} {message.message_id}: {len(message.payments)} payments"
    table = new_table(title, PAYMENT_COLUMNS)
    for p in message.payments:
        table.add_row(
            p.uetr,
            p.debtor_agent.bic or p.debtor_agent.clearing_member or "",
            p.creditor_agent.bic or p.creditor_agent.clearing_member or "",
            format_amount(p.settlement_amount_minor, p.settlement_currency),
            format_amount(p.instructed_amount_minor, p.instructed_currency)
            if p.instructed_amount_minor and p.instructed_currency
            else "",
        )
    console.print(table)


def _message_document(message: InboundMessage) -> dict[str, object]:
    return {
        "ok": True,
        "message_type": message.message_type,
        "message_id": message.message_id,
        "from": message.header_from,
        "to": message.header_to,
        "payments": [p.as_dict() for p in message.payments],
    }


@app.command("import")
def iso_import(
    file: Path,
    report: Annotated[
        Path | None, typer.Option(help="Also write the pacs.002 to this file")
    ] = None,
    database_url: IsoDatabaseUrl = None,
) -> None:
    """Submit a pacs.008/pacs.009 message; print the pacs.002 status report it produced."""
    data = file.read_bytes()
    answer = either(
        lambda api: api.post("/v1/payments", content=data, media_type="application/xml"),
        lambda: _imported(database_url, data),
    )
    if report is not None:
        report.write_bytes(answer)
    print(answer.decode())
    if GROUP_REJECTED.search(answer):
        raise typer.Exit(1)


def _imported(database_url: str | None, data: bytes) -> bytes:
    """The message submitted on the database; its pacs.002."""
    from vostro.iso20022.gateway import import_message

    settings = settings_for(database_url)
    with open_platform(database_url, settings) as platform, platform.unit() as uow:
        # One unit: the header's identifier is recorded with the payments, or not at all.
        result = import_message(platform, data, settings.iso20022_xsd_dir)
        uow.commit()
    return result.report


@app.command("status")
def iso_status(
    uetr: str,
    out: Annotated[Path | None, typer.Option(help="Write the pacs.002 here")] = None,
    database_url: IsoDatabaseUrl = None,
) -> None:
    """Print the pacs.002 status report for one payment as it stands (RJCT with its reason code,
    ACSC, ACCP or PDNG), validated against the schema."""
    from vostro.iso20022.outbound import payment_status_report

    settings = settings_for(database_url)
    with open_reader(database_url) as platform:
        payment = platform.payments.get(uetr)
        operator = _operator_bic(platform)
    if payment is None:
        fail(f"no payment has UETR {uetr}")
    report = payment_status_report(payment, settings.iso20022_xsd_dir, operator_bic=operator)
    if out is not None:
        out.write_bytes(report)
    print(report.decode())


def _operator_bic(platform: Platform) -> str | None:
    """Who the reports come from (their header's sender); None before an operator exists."""
    from vostro.participants.registry import ParticipantError

    try:
        return str(platform.registry.operator().bic)
    except ParticipantError:
        return None


@app.command("statement")
def iso_statement(
    account: Annotated[str, typer.Argument(help="Account id (decimal), or BIC:CURRENCY")],
    date_: Annotated[str, typer.Option("--date", help="YYYY-MM-DD (UTC)")],
    out: Annotated[Path | None, typer.Option(help="Write the camt.053 here")] = None,
    database_url: IsoDatabaseUrl = None,
) -> None:
    """Write the account's camt.053 end-of-day statement (it reconciles with the ledger)."""
    from datetime import date

    from vostro.iso20022.statements import statement

    settings = settings_for(database_url)
    with open_reader(database_url) as platform:
        if ":" in account:
            bic, code = account.split(":", 1)
            account_id = platform.registry.get(bic).paying_account(code)
        else:
            account_id = int(account)
        result = statement(
            platform.store, account_id, date.fromisoformat(date_), settings.iso20022_xsd_dir
        )
    if out is not None:
        out.write_bytes(result.xml)
        err.print(
            f"camt.053 written to {out}: {result.entries} entries, opening "
            f"{result.opening_minor}, closing {result.closing_minor} (minor units)"
        )
    else:
        print(result.xml.decode())


def _show_report(data: bytes, xsd_dir: Path, as_json: bool) -> bool:
    """Show a pacs.002 or pacs.004 (not a payment, but a message vostro reads); False if it is
    neither, its refusal (`MessageRejected`) if it is one vostro refuses."""
    from dataclasses import asdict

    from vostro.iso20022.inbound import MessageRejected
    from vostro.iso20022.reports import NOT_A_REPORT, read_report

    try:
        report = read_report(data, xsd_dir)
    except MessageRejected as rejected:
        if NOT_A_REPORT in rejected.reason or "no ISO 20022 Document" in rejected.reason:
            return False
        raise
    if as_json:
        print(json.dumps({"ok": True, **asdict(report)}))
        return True
    console.print(
        f"{report.message_type} {report.message_id} (schema validated: {report.schema_validated})"
    )
    for t in report.transactions:
        console.print(
            f"  {t.original_uetr}: {t.status or 'returned'} {t.reason_code or ''} "
            f"{t.returned_amount or ''} {t.returned_currency or ''}"
        )
    return True
