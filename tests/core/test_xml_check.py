"""Strict RDF/XML: a truncated document and an entity expansion past the limit are errors with
a line, through the store's own loading; an ordinary OWL file with DOCTYPE entities loads."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rsikg.core.store import Source, open_store, rdf_format
from rsikg.core.store.xml_check import EXPANSION_FACTOR, check_rdfxml, expansion_limit
from rsikg.errors import RdfSyntaxError

GRAPH = "https://example.org/graph/g"

PROTEGE = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
    <!ENTITY owl "http://www.w3.org/2002/07/owl#" >
    <!ENTITY xsd "http://www.w3.org/2001/XMLSchema#" >
    <!ENTITY rdfs "http://www.w3.org/2000/01/rdf-schema#" >
    <!ENTITY ex "http://example.org/onto#" >
]>
<rdf:RDF xmlns="http://example.org/onto#"
     xml:base="http://example.org/onto"
     xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
     xmlns:owl="http://www.w3.org/2002/07/owl#"
     xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <owl:Ontology rdf:about="http://example.org/onto"/>
    <owl:Class rdf:about="&ex;System">
        <rdfs:subClassOf rdf:resource="&owl;Thing"/>
        <rdfs:label xml:lang="en">System</rdfs:label>
    </owl:Class>
    <owl:DatatypeProperty rdf:about="&ex;since">
        <rdfs:range rdf:resource="&xsd;date"/>
        <rdfs:comment rdf:datatype="&xsd;string">When &amp; where.</rdfs:comment>
    </owl:DatatypeProperty>
</rdf:RDF>
"""


def _laughs(levels: int = 9, where: str = "text") -> bytes:
    """The billion laughs: each entity is ten of the one before; &lol9; is 10^9 times 'lol'."""
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)]
    use = (
        f"<ex:b>&lol{levels};</ex:b>"
        if where == "text"
        else f'<ex:b rdf:resource="http://example.org/&lol{levels};"/>'
    )
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n'
        + "\n".join(entities)
        + '\n]>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/">\n'
        f'<rdf:Description rdf:about="http://example.org/a">{use}</rdf:Description>\n</rdf:RDF>\n'
    ).encode()


def _load(store, data: bytes) -> int:
    return store.load([Source(name="doc.rdf", graph=GRAPH, format=rdf_format("rdfxml"), data=data)])


def test_an_owl_file_with_doctype_entities_loads():
    store = open_store(None)
    assert _load(store, PROTEGE) == 7
    turtle = store.export("nquads").decode()
    assert "<http://example.org/onto#System> <http://www.w3.org/2000/01/rdf-schema#subClassOf>" in turtle
    assert '"When & where."' in turtle


@pytest.mark.parametrize("cut", ["</owl:Class>\n", "<rdfs:label", "<owl:DatatypeProperty rdf:about="])
def test_a_truncated_document_is_an_error_with_its_line_and_leaves_the_graph(cut):
    store = open_store(None)
    _load(store, PROTEGE)
    before = store.export("nquads")
    truncated = PROTEGE[: PROTEGE.index(cut.encode()) + len(cut)]
    with pytest.raises(RdfSyntaxError) as caught:
        _load(store, truncated)
    assert caught.value.location.source == "doc.rdf"
    assert caught.value.location.line == truncated.count(b"\n") + 1  # where the document stops
    assert caught.value.location.column is not None
    assert "cut short" in caught.value.message
    assert store.export("nquads") == before  # the graph did not shrink


@pytest.mark.parametrize("where", ["text", "attribute"])
def test_a_billion_laughs_is_refused_fast(where):
    store = open_store(None)
    document = _laughs(where=where)
    start = time.perf_counter()
    with pytest.raises(RdfSyntaxError) as caught:
        check_rdfxml("doc.rdf", document)
    assert time.perf_counter() - start < 10  # a billion laughs expanded takes far longer
    assert caught.value.location.line == document.decode().count("\n") - 1  # the line using it
    if where == "text":  # ours; in an attribute value, expat's own guard stops it first
        assert f"more than {expansion_limit(len(document))} characters" in caught.value.message
        assert f"{EXPANSION_FACTOR} times the document's {len(document)} bytes" in caught.value.message
    else:
        assert "amplification" in caught.value.message
    with pytest.raises(RdfSyntaxError):
        _load(store, document)  # through the store, the same refusal
    assert len(store) == 0


def test_an_expansion_just_under_the_limit_passes_and_just_over_does_not(tmp_path: Path):
    """Four levels of ten is 30,000 characters: within the slack, so it loads (Oxigraph expands
    it the same); a bigger expansion of the same document size does not, also read from a file."""
    store = open_store(None)
    assert _load(store, _laughs(levels=4)) == 1
    path = tmp_path / "laughs.rdf"
    path.write_bytes(_laughs(levels=6))  # 3,000,000 characters, over 1 MiB + 4 times its size
    with pytest.raises(RdfSyntaxError, match="entities expand to more than"):
        check_rdfxml("laughs.rdf", path=path)
