"""The W3C SPARQL 1.1 Protocol test suite, every entry of its manifest, against ``rsikg serve``."""

from __future__ import annotations

import pytest

from tests.w3c.conftest import Service
from tests.w3c.manifest import PROTOCOL_MANIFEST, Entry, entry_ids, read_manifest

ENTRIES = read_manifest(PROTOCOL_MANIFEST)


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_ids(ENTRIES))
def test_protocol_entry(service: Service, entry: Entry) -> None:
    service.run(entry)
