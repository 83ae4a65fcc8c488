"""Reading pacs.008.001.08 and pacs.009.001.08 messages, strictly.

Order of work, each step refusing with an ISO 20022 reason code and a sentence:

1. size: at most `MESSAGE_BYTES_MAX`;
2. parsing with lxml, hardened: no DTD (a DOCTYPE is refused outright, so no entity expansion and
   no billion laughs), no network, no recovery from broken XML, no huge-tree mode;
3. unwrapping: a bare `Document`, or a business application header (head.001.001.02 `AppHdr`) and a
   `Document` inside any enclosing envelope, found by namespace;
4. validation of each part against its official XSD (from `VOSTRO_ISO20022_XSD_DIR`) before
   anything is read from it;
5. the header, if there is one: its MsgDefIdr must name the Document's message (a pacs.009 under
   a header saying pacs.008 is refused) and its BizMsgIdr must be an identifier (below);
6. mapping every field the domain needs, then business validation: the amount's currency is money
   that settles (not gold, a funds code or the testing code: `money.NotACurrency`) and its
   decimals fit the currency's exponent, the UETR is a UUID version 4, BICs are well formed (and,
   when a registry is given, belong to participants), identifiers (MsgId, EndToEndId, InstrId,
   TxId) keep to the restricted character set and text (names, remittance information) holds no
   character the platform's other wires cannot carry (`vostro.text`). Line breaks inside an
   element (XML pretty-printing) read as one space.

Reason codes: FF01 (invalid file format: size, syntax, DTD, schema, namespace, header, text), AM03
(not a currency that settles), AM12 (invalid amount), RC01 (bank identifier incorrect), AM05
(duplicate: a business message identifier is checked by the gateway, a payment by the payment
service).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from vostro.errors import NotACurrency, UnknownCurrency, VostroError, invariant
from vostro.ledger.types import BATCH_EVENTS_MAX
from vostro.money import AMOUNT_MAX, Currency, currency
from vostro.text import (
    BUSINESS_MESSAGE_ID,
    END_TO_END_ID,
    INSTRUCTION_ID,
    MESSAGE_ID,
    TRANSACTION_ID,
    TextType,
    forbidden,
)

MESSAGE_BYTES_MAX = 10 * 1024 * 1024  # 10 MiB: far above a full CBPR+ batch, far below harm
TRANSACTIONS_MAX = BATCH_EVENTS_MAX  # a message fits one ledger batch
HEAD_NS = "urn:iso:std:iso:20022:tech:xsd:head.001.001.02"
DOCUMENT_NS = {
    "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08": ("pacs.008.001.08", "FIToFICstmrCdtTrf"),
    "urn:iso:std:iso:20022:tech:xsd:pacs.009.001.08": ("pacs.009.001.08", "FICdtTrf"),
}
UETR_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# An FX quote is named in an instruction for the next agent, as `/QUOTE/<id>` (the pacs.008.001.08
# schema has no field of its own for it; BIS Nexus carries its quote id in the same spirit).
QUOTE_PREFIX = "/QUOTE/"
BIC_RE = re.compile(r"^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
# XML whitespace around a line break inside an element: read as one space.
LINE_BREAK_RE = re.compile(r" *[\t\n\r][\t\n\r ]*")


class MessageRejected(VostroError):
    """A message (or one of its transactions) refused with an ISO 20022 reason code."""

    def __init__(self, code: str, reason: str, *, index: int | None = None) -> None:
        where = f"transaction {index + 1}: " if index is not None else ""
        super().__init__(f"{code}: {where}{reason}")
        self.code = code
        self.reason = where + reason
        self.index = index


@dataclass
class Party:
    name: str | None = None
    bic: str | None = None  # BICFI of an agent
    clearing_member: str | None = None  # "SYSTEM:MEMBER", e.g. "USABA:011104238", if no BICFI
    country: str | None = None
    identifiers: list[str] = field(default_factory=list)


@dataclass
class InboundPayment:
    """One transaction of a pacs.008 or pacs.009, with every field the domain uses."""

    message_type: str
    message_id: str
    uetr: str
    end_to_end_id: str
    instruction_id: str | None
    transaction_id: str | None
    settlement_amount_minor: int
    settlement_currency: str
    settlement_date: str | None
    instructed_amount_minor: int | None
    instructed_currency: str | None
    exchange_rate: str | None
    charge_bearer: str | None
    charges: list[tuple[int, str]]
    debtor: Party
    debtor_agent: Party
    creditor: Party
    creditor_agent: Party
    instructing_agent: str | None
    instructed_agent: str | None
    intermediary_agents: list[str]
    purpose: str | None
    regulatory_reporting: list[str]
    remittance_info: list[str]
    quote_id: str | None = None  # from InstrForNxtAgt "/QUOTE/<id>" (vostro's convention)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class InboundMessage:
    message_type: str
    message_id: str
    header_from: str | None
    header_to: str | None
    payments: list[InboundPayment]
    business_message_id: str | None = None  # the header's BizMsgIdr


def read_message(
    data: bytes, xsd_dir: Path, known_bic: Callable[[str], bool] | None = None
) -> InboundMessage:
    """Parse, unwrap, validate and map a message, or raise `MessageRejected`."""
    if len(data) > MESSAGE_BYTES_MAX:
        raise MessageRejected(
            "FF01",
            f"the message is {len(data):,} bytes; at most {MESSAGE_BYTES_MAX:,} are accepted",
        )
    root = parse_strict(data)
    header, document = _unwrap(root)
    if header is not None:
        validate_against_schema(header, HEAD_NS, xsd_dir)
    namespace = etree.QName(document).namespace or ""
    validate_against_schema(document, namespace, xsd_dir)
    message_type, body_tag = DOCUMENT_NS[namespace]
    ns = {"d": namespace}
    body = document.find(f"d:{body_tag}", ns)
    invariant(body is not None, "the schema guarantees a message body")
    assert body is not None
    message_id = _text(body, "d:GrpHdr/d:MsgId", ns) or ""
    _identifier(MESSAGE_ID, "GrpHdr/MsgId", message_id, None)
    business_message_id = _header(header, message_type)
    transactions = body.findall("d:CdtTrfTxInf", ns)
    if len(transactions) > TRANSACTIONS_MAX:
        raise MessageRejected(
            "FF01", f"{len(transactions):,} transactions; at most {TRANSACTIONS_MAX:,} per message"
        )
    payments = [
        _checked(_map(tx, ns, message_type, message_id, i, known_bic), i)
        for i, tx in enumerate(transactions)
    ]
    head_ns = {"h": HEAD_NS}
    return InboundMessage(
        message_type,
        message_id,
        _text(header, "h:Fr/h:FIId/h:FinInstnId/h:BICFI", head_ns) if header is not None else None,
        _text(header, "h:To/h:FIId/h:FinInstnId/h:BICFI", head_ns) if header is not None else None,
        payments,
        business_message_id,
    )


def _header(header: etree._Element | None, message_type: str) -> str | None:
    """The header's BizMsgIdr, once its MsgDefIdr is seen to name the Document's message."""
    if header is None:
        return None
    head_ns = {"h": HEAD_NS}
    definition = _text(header, "h:MsgDefIdr", head_ns) or ""
    if definition != message_type:
        raise MessageRejected(
            "FF01",
            f"the header's MsgDefIdr {definition!r} does not name the Document's message "
            f"{message_type}",
        )
    business_message_id = _text(header, "h:BizMsgIdr", head_ns) or ""
    _identifier(BUSINESS_MESSAGE_ID, "AppHdr/BizMsgIdr", business_message_id, None)
    return business_message_id


def _identifier(kind: TextType, where: str, value: str | None, index: int | None) -> None:
    problem = kind.problem(value) if value is not None else None
    if problem is not None:
        raise MessageRejected("FF01", f"{where} {problem}", index=index)


def _free_text(where: str, value: str | None, index: int) -> None:
    found = forbidden(value) if value else None
    if found is not None:
        at, character, what = found
        raise MessageRejected(
            "FF01",
            f"{where} holds U+{ord(character):04X}, {what}, at character {at + 1}",
            index=index,
        )


def parse_strict(data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        recover=False,
        huge_tree=False,
        remove_pis=True,
    )
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as error:
        raise MessageRejected("FF01", f"not well-formed XML: {error}") from None
    if tree.docinfo.doctype:
        raise MessageRejected("FF01", "a DOCTYPE (DTD) is not accepted in ISO 20022 messages")
    return tree.getroot()


def _unwrap(root: etree._Element) -> tuple[etree._Element | None, etree._Element]:
    """(AppHdr or None, Document): the root itself, or children of an envelope."""
    candidates = [root, *root.iterchildren()] if isinstance(root.tag, str) else [root]
    header = next(
        (
            e
            for e in candidates
            if isinstance(e.tag, str)
            and etree.QName(e).namespace == HEAD_NS
            and etree.QName(e).localname == "AppHdr"
        ),
        None,
    )
    document = next(
        (
            e
            for e in candidates
            if isinstance(e.tag, str) and etree.QName(e).localname == "Document"
        ),
        None,
    )
    if document is None:
        raise MessageRejected("FF01", "no ISO 20022 Document element was found")
    namespace = etree.QName(document).namespace
    if namespace not in DOCUMENT_NS:
        raise MessageRejected(
            "FF01",
            f"the Document's namespace {namespace!r} is not pacs.008.001.08 or pacs.009.001.08",
        )
    return header, document


@cache
def _schema(namespace: str, xsd_dir: Path) -> etree.XMLSchema:
    name = namespace.rsplit(":", 1)[-1] + ".xsd"
    path = xsd_dir / name
    if not path.exists():
        raise VostroError(f"schema {name} is not in {xsd_dir}: set VOSTRO_ISO20022_XSD_DIR")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def validate_against_schema(element: etree._Element, namespace: str, xsd_dir: Path) -> None:
    schema = _schema(namespace, xsd_dir)
    part = etree.ElementTree(_detached(element))
    if not schema.validate(part):
        first = schema.error_log[0]
        raise MessageRejected(
            "FF01", f"schema {namespace.rsplit(':', 1)[-1]}: line {first.line}: {first.message}"
        )


def _detached(element: etree._Element) -> etree._Element:
    """A copy of the element as a root of its own (an envelope's part validates alone)."""
    return etree.fromstring(etree.tostring(element))


def _text(node: etree._Element | None, path: str, ns: dict[str, str]) -> str | None:
    if node is None:
        return None
    found = node.find(path, ns)
    return one_line(found.text) if found is not None and found.text else None


def _texts(node: etree._Element, path: str, ns: dict[str, str]) -> list[str]:
    return [one_line(e.text) for e in node.findall(path, ns) if e.text and e.text.strip()]


def one_line(text: str) -> str:
    """An element's text as one line: stripped, a line break with its indentation one space."""
    return LINE_BREAK_RE.sub(" ", text).strip()


def _amount(node: etree._Element | None, index: int) -> tuple[int, str] | None:
    """(minor units, currency) of an amount element, its decimals checked against ISO 4217."""
    if node is None or node.text is None:
        return None
    code = node.get("Ccy", "")
    ccy = settling_currency(code, index)
    try:
        value = Decimal(node.text.strip())
    except InvalidOperation:
        raise MessageRejected("FF01", f"{node.text!r} is not an amount", index=index) from None
    exponent = value.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if decimals > ccy.exponent:
        raise MessageRejected(
            "AM12",
            f"{node.text.strip()} {code} has {decimals} decimal places; {code} has {ccy.exponent}",
            index=index,
        )
    minor = int(value.scaleb(ccy.exponent))
    if not 0 < minor <= AMOUNT_MAX:
        raise MessageRejected(
            "AM12", f"the amount {node.text.strip()} {code} is out of range", index=index
        )
    return minor, code


def settling_currency(code: str, index: int | None = None) -> Currency:
    """The currency of `code`, or the refusal: AM03 for an ISO 4217 code that names no money
    that settles (XAU, XTS, USN...), AM12 for a code ISO 4217 does not have."""
    try:
        return currency(code)
    except NotACurrency as error:
        raise MessageRejected("AM03", str(error), index=index) from None
    except UnknownCurrency as error:
        raise MessageRejected("AM12", str(error), index=index) from None


def _map(
    tx: etree._Element,
    ns: dict[str, str],
    message_type: str,
    message_id: str,
    index: int,
    known_bic: Callable[[str], bool] | None,
) -> InboundPayment:
    uetr = _text(tx, "d:PmtId/d:UETR", ns) or ""
    if not UETR_RE.fullmatch(uetr):
        raise MessageRejected(
            "FF01", f"UETR {uetr!r} is not a lower-case UUID version 4", index=index
        )
    settlement = _amount(tx.find("d:IntrBkSttlmAmt", ns), index)
    invariant(settlement is not None, "IntrBkSttlmAmt is required by the schema")
    assert settlement is not None
    instructed = _amount(tx.find("d:InstdAmt", ns), index)
    debtor_agent, creditor_agent = _agents(tx, ns, message_type, index, known_bic)
    charges = [a for a in (_amount(n, index) for n in tx.findall("d:ChrgsInf/d:Amt", ns)) if a]
    party_tag = "Dbtr" if message_type.startswith("pacs.008") else "Dbtr/d:FinInstnId"
    return InboundPayment(
        message_type=message_type,
        message_id=message_id,
        uetr=uetr,
        end_to_end_id=_text(tx, "d:PmtId/d:EndToEndId", ns) or "",
        instruction_id=_text(tx, "d:PmtId/d:InstrId", ns),
        transaction_id=_text(tx, "d:PmtId/d:TxId", ns),
        settlement_amount_minor=settlement[0],
        settlement_currency=settlement[1],
        settlement_date=_text(tx, "d:IntrBkSttlmDt", ns),
        instructed_amount_minor=instructed[0] if instructed else None,
        instructed_currency=instructed[1] if instructed else None,
        exchange_rate=_text(tx, "d:XchgRate", ns),
        charge_bearer=_text(tx, "d:ChrgBr", ns),
        charges=charges,
        debtor=_party(tx, party_tag, ns),
        debtor_agent=debtor_agent,
        creditor=_party(
            tx, "Cdtr" if message_type.startswith("pacs.008") else "Cdtr/d:FinInstnId", ns
        ),
        creditor_agent=creditor_agent,
        instructing_agent=_text(tx, "d:InstgAgt/d:FinInstnId/d:BICFI", ns),
        instructed_agent=_text(tx, "d:InstdAgt/d:FinInstnId/d:BICFI", ns),
        intermediary_agents=_intermediaries(tx, ns),
        purpose=_text(tx, "d:Purp/d:Cd", ns) or _text(tx, "d:Purp/d:Prtry", ns),
        regulatory_reporting=_texts(tx, "d:RgltryRptg//d:Inf", ns)
        + _texts(tx, "d:RgltryRptg//d:Cd", ns),
        remittance_info=_texts(tx, "d:RmtInf/d:Ustrd", ns),
        quote_id=_quote_id(tx, ns),
    )


def _checked(p: InboundPayment, index: int) -> InboundPayment:
    """The transaction, once its identifiers and text are seen to be what every wire carries."""
    _identifier(END_TO_END_ID, "PmtId/EndToEndId", p.end_to_end_id, index)
    _identifier(INSTRUCTION_ID, "PmtId/InstrId", p.instruction_id, index)
    _identifier(TRANSACTION_ID, "PmtId/TxId", p.transaction_id, index)
    parties = (
        ("Dbtr", p.debtor),
        ("DbtrAgt", p.debtor_agent),
        ("Cdtr", p.creditor),
        ("CdtrAgt", p.creditor_agent),
    )
    for tag, party in parties:
        _free_text(f"{tag}/Nm", party.name, index)
        for identifier in party.identifiers:
            _free_text(f"{tag}/Id", identifier, index)
    lists = (("RmtInf/Ustrd", p.remittance_info), ("RgltryRptg", p.regulatory_reporting))
    for where, texts in lists:
        for text in texts:
            _free_text(where, text, index)
    _free_text("Purp", p.purpose, index)
    _free_text("InstrForNxtAgt", p.quote_id, index)
    return p


def _intermediaries(tx: etree._Element, ns: dict[str, str]) -> list[str]:
    found = (_text(tx, f"d:IntrmyAgt{n}/d:FinInstnId/d:BICFI", ns) for n in (1, 2, 3))
    return [bic for bic in found if bic]


def _quote_id(tx: etree._Element, ns: dict[str, str]) -> str | None:
    """The FX quote a cross-currency payment names as `/QUOTE/<id>` in InstrForNxtAgt."""
    for text in _texts(tx, "d:InstrForNxtAgt/d:InstrInf", ns):
        if text.startswith(QUOTE_PREFIX):
            return text.removeprefix(QUOTE_PREFIX)
    return None


def _agents(
    tx: etree._Element,
    ns: dict[str, str],
    message_type: str,
    index: int,
    known_bic: Callable[[str], bool] | None,
) -> tuple[Party, Party]:
    """The debtor's and creditor's agents, each identified and (if asked) a participant."""
    debtor_agent = _agent(tx, "DbtrAgt", ns)
    creditor_agent = _agent(tx, "CdtrAgt", ns)
    if message_type.startswith("pacs.009"):
        # In a bank-to-bank transfer the debtor and creditor are banks themselves; without
        # separate agents, they are the agents that settle.
        if debtor_agent.bic is None and debtor_agent.clearing_member is None:
            debtor_agent = _agent(tx, "Dbtr", ns)
        if creditor_agent.bic is None and creditor_agent.clearing_member is None:
            creditor_agent = _agent(tx, "Cdtr", ns)
    for role, agent in (("debtor agent", debtor_agent), ("creditor agent", creditor_agent)):
        if agent.bic is None and agent.clearing_member is None:
            raise MessageRejected(
                "RC01",
                f"the {role} has neither a BICFI nor a clearing system member id",
                index=index,
            )
        if agent.bic is not None and not BIC_RE.fullmatch(agent.bic):
            raise MessageRejected(
                "RC01", f"the {role}'s BICFI {agent.bic!r} is malformed", index=index
            )
        identifier = agent.bic or agent.clearing_member or ""
        if known_bic is not None and not known_bic(identifier):
            raise MessageRejected(
                "RC01", f"the {role} {identifier} is not a participant", index=index
            )
    return debtor_agent, creditor_agent


def _agent(tx: etree._Element, tag: str, ns: dict[str, str]) -> Party:
    system = _text(tx, f"d:{tag}/d:FinInstnId/d:ClrSysMmbId/d:ClrSysId/d:Cd", ns)
    member = _text(tx, f"d:{tag}/d:FinInstnId/d:ClrSysMmbId/d:MmbId", ns)
    return Party(
        name=_text(tx, f"d:{tag}/d:FinInstnId/d:Nm", ns),
        bic=_text(tx, f"d:{tag}/d:FinInstnId/d:BICFI", ns),
        clearing_member=f"{system or '?'}:{member}" if member else None,
        country=_text(tx, f"d:{tag}/d:FinInstnId/d:PstlAdr/d:Ctry", ns),
    )


def _party(tx: etree._Element, tag: str, ns: dict[str, str]) -> Party:
    ids = _texts(tx, f"d:{tag}/d:Id//d:Id", ns) + _texts(tx, f"d:{tag}/d:Id//d:AnyBIC", ns)
    return Party(
        name=_text(tx, f"d:{tag}/d:Nm", ns),
        bic=_text(tx, f"d:{tag}/d:BICFI", ns),
        country=_text(tx, f"d:{tag}/d:PstlAdr/d:Ctry", ns) or _text(tx, f"d:{tag}/d:CtryOfRes", ns),
        identifiers=ids,
    )
