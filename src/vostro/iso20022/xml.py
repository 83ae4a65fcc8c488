"""Serialising vostro's outbound messages: xsdata renders the pyiso20022 dataclasses, and the
official schema must accept the result before it is kept or sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig

from vostro.errors import VostroError


def render(document: Any, namespace: str, schema_path: Path) -> bytes:
    """The document as XML in `namespace`, or `VostroError` if the schema refuses it."""
    xml: bytes = (
        XmlSerializer(config=SerializerConfig(indent="  "))
        .render(document, ns_map={None: namespace})
        .encode()
    )
    schema = etree.XMLSchema(etree.parse(str(schema_path)))
    if not schema.validate(etree.ElementTree(etree.fromstring(xml))):
        raise VostroError(
            f"vostro built an invalid {schema_path.stem}: {schema.error_log[0].message}"
        )
    return xml
