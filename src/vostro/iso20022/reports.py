"""Reading the status reports (pacs.002) and returns (pacs.004) other systems send.

Parsed with the same hardened parser as payments, and validated against the official schema when
the configured directory has the message's version (pacs.002.001.10, pacs.004.001.09 here); a
version without a local schema (a pacs.004.001.10, say) is read structurally and the result says it
was not schema-validated. Fields are read by local name, which is stable across these versions.

As with payments, every amount must be in money that settles: a return or a status report naming
gold, a funds code or the testing code is refused (AM03; a code ISO 4217 lacks, AM12), and a
field holding a character no other wire carries is refused (FF01).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from vostro.iso20022.inbound import (
    MESSAGE_BYTES_MAX,
    MessageRejected,
    one_line,
    parse_strict,
    settling_currency,
    validate_against_schema,
)
from vostro.text import forbidden

KINDS = ("pacs.002", "pacs.004")
NOT_A_REPORT = "is not a pacs.002 or pacs.004"


@dataclass(frozen=True, slots=True)
class ReportedTransaction:
    original_uetr: str | None
    original_end_to_end_id: str | None
    status: str | None  # pacs.002: ACSC, RJCT...; a return: None
    reason_code: str | None
    returned_amount: str | None  # pacs.004: the returned amount as written, with its currency
    returned_currency: str | None


@dataclass(frozen=True, slots=True)
class Report:
    message_type: str  # e.g. "pacs.002.001.10"
    message_id: str | None
    schema_validated: bool
    transactions: list[ReportedTransaction]


def read_report(data: bytes, xsd_dir: Path) -> Report:
    if len(data) > MESSAGE_BYTES_MAX:
        raise MessageRejected("FF01", f"the message is {len(data):,} bytes; too large")
    root = parse_strict(data)
    document = (
        root
        if etree.QName(root).localname == "Document"
        else next(
            (
                e
                for e in root.iter()
                if isinstance(e.tag, str) and etree.QName(e).localname == "Document"
            ),
            None,
        )
    )
    if document is None:
        raise MessageRejected("FF01", "no ISO 20022 Document element was found")
    namespace = etree.QName(document).namespace or ""
    message_type = namespace.rsplit(":", 1)[-1]
    if not message_type.startswith(KINDS):
        raise MessageRejected("FF01", f"{message_type or 'this'} {NOT_A_REPORT}")
    validated = (xsd_dir / f"{message_type}.xsd").exists()
    if validated:
        validate_against_schema(document, namespace, xsd_dir)
    _check_amounts_and_text(document)
    return Report(
        message_type,
        _first(document, "MsgId"),
        validated,
        [
            _transaction(tx)
            for tx in document.iter()
            if isinstance(tx.tag, str) and etree.QName(tx).localname in ("TxInfAndSts", "TxInf")
        ],
    )


def _check_amounts_and_text(document: etree._Element) -> None:
    """Every amount's currency settles; no element's text holds what no wire carries."""
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        code = element.get("Ccy")
        if code is not None:
            settling_currency(code)
        found = forbidden(one_line(element.text)) if element.text else None
        if found is not None:
            at, character, what = found
            raise MessageRejected(
                "FF01",
                f"{etree.QName(element).localname} holds U+{ord(character):04X}, {what}, "
                f"at character {at + 1}",
            )


def _first(node: etree._Element, name: str) -> str | None:
    for element in node.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == name:
            return (element.text or "").strip() or None
    return None


def _transaction(tx: etree._Element) -> ReportedTransaction:
    returned = next(
        (
            e
            for e in tx.iter()
            if isinstance(e.tag, str) and etree.QName(e).localname == "RtrdIntrBkSttlmAmt"
        ),
        None,
    )
    reason = next(
        (
            e
            for e in tx.iter()
            if isinstance(e.tag, str) and etree.QName(e).localname in ("StsRsnInf", "RtrRsnInf")
        ),
        None,
    )
    return ReportedTransaction(
        original_uetr=_first(tx, "OrgnlUETR"),
        original_end_to_end_id=_first(tx, "OrgnlEndToEndId"),
        status=_first(tx, "TxSts"),
        reason_code=_first(reason, "Cd") if reason is not None else None,
        returned_amount=(returned.text or "").strip() if returned is not None else None,
        returned_currency=returned.get("Ccy") if returned is not None else None,
    )
