"""Serialising vostro's outbound messages: xsdata renders the pyiso20022 dataclasses, and the
official schema must accept the result before it is kept or sent.

A message to a participant is a business message: a head.001.001.02 business application header
(`AppHdr`: from the operator, to the participant, its business message identifier, the message
definition it carries and when it was created) and the `Document`, side by side in an envelope
(`<Envelope xmlns="urn:vostro:envelope">`, the shape SWIFT's translator envelope has, and the one
vostro reads back). Both parts are validated, each against its own schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree
from pyiso20022.head.head_001_001_02 import head_001_001_02 as h002
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDateTime

from vostro.errors import VostroError

ENVELOPE_NS = "urn:vostro:envelope"
HEAD_NS = "urn:iso:std:iso:20022:tech:xsd:head.001.001.02"
HEAD_SCHEMA = "head.001.001.02.xsd"


@dataclass(frozen=True, slots=True)
class Route:
    """Who a business message goes from and to (BICs): the operator and a participant."""

    sender: str
    receiver: str


def render(
    document: Any,
    namespace: str,
    schema_path: Path,
    *,
    route: Route | None = None,
    message_id: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The document as XML in `namespace`, or `VostroError` if the schema refuses it; with a
    `route`, wrapped with its business application header (BizMsgIdr `message_id`)."""
    xml = _serialised(document, namespace)
    _validate(xml, schema_path)
    if route is None:
        return xml
    header = app_header(route, message_id or "", namespace.rsplit(":", 1)[-1], now)
    header_xml = _serialised(header, HEAD_NS)
    _validate(header_xml, schema_path.parent / HEAD_SCHEMA)
    envelope = etree.Element(f"{{{ENVELOPE_NS}}}Envelope", nsmap={None: ENVELOPE_NS})
    envelope.append(etree.fromstring(header_xml))
    envelope.append(etree.fromstring(xml))
    etree.indent(envelope, space="  ")
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def app_header(
    route: Route, message_id: str, definition: str, now: datetime | None = None
) -> h002.AppHdr:
    """The head.001.001.02 header of a message `definition` (e.g. "pacs.002.001.10")."""
    return h002.AppHdr(
        fr=_party(route.sender),
        to=_party(route.receiver),
        biz_msg_idr=message_id,
        msg_def_idr=definition,
        cre_dt=XmlDateTime.from_datetime(now or datetime.now(UTC)),
    )


def _party(bic: str) -> h002.Party44Choice:
    return h002.Party44Choice(
        fiid=h002.BranchAndFinancialInstitutionIdentification6(
            fin_instn_id=h002.FinancialInstitutionIdentification18(bicfi=bic)
        )
    )


def _serialised(document: Any, namespace: str) -> bytes:
    return (
        XmlSerializer(config=SerializerConfig(indent="  "))
        .render(document, ns_map={None: namespace})
        .encode()
    )


@cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def _validate(xml: bytes, schema_path: Path) -> None:
    schema = _schema(schema_path)
    if not schema.validate(etree.ElementTree(etree.fromstring(xml))):
        raise VostroError(
            f"vostro built an invalid {schema_path.stem}: {schema.error_log[0].message}"
        )
