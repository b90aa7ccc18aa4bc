"""The W3C SPARQL 1.1 Graph Store HTTP Protocol test suite (its direct and indirect manifests),
every entry, against ``rsikg serve`` over an empty project (see conftest.py for why)."""

from __future__ import annotations

import pytest

from tests.w3c.conftest import Service
from tests.w3c.manifest import GRAPH_STORE_MANIFEST, Entry, entry_ids, read_manifest

ENTRIES = read_manifest(GRAPH_STORE_MANIFEST)


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_ids(ENTRIES))
def test_graph_store_entry(plain_service: Service, entry: Entry) -> None:
    plain_service.run(entry)
