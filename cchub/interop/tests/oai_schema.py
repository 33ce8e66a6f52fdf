"""Validating OAI-PMH responses against the protocol's schemas, offline (tests/data/oai)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

HERE = Path(__file__).parent / "data" / "oai"


class _Local(etree.Resolver):
    """The schemas import each other by their public addresses: answer with the copies."""

    def resolve(self, url: str, pubid: str, context: object) -> object:
        name = url.rsplit("/", 1)[-1]
        if (HERE / name).exists():
            return self.resolve_filename(str(HERE / name), context)
        return None


@cache
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Local())
    return etree.XMLSchema(etree.parse(str(HERE / "all.xsd"), parser))


def problems(content: bytes) -> str:
    """'' when the response is valid, else the validator's errors."""
    document = etree.fromstring(content, etree.XMLParser(no_network=True))
    if schema().validate(document):
        return ""
    return "\n".join(str(e) for e in schema().error_log)
