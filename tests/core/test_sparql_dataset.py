"""The protocol's using-graph-uri and using-named-graph-uri, written into the update as USING
clauses: checked by running the rewritten update on a real store."""

from __future__ import annotations

import pytest
from rsikg.core.loading import DEFAULT_DATA_GRAPH
from rsikg.core.sparql_dataset import own_dataset, rewritten, with_using
from rsikg.core.sparql_terms import iri
from rsikg.core.store import DEFAULT_GRAPH, open_store
from rsikg.errors import InputError

DATA = """
INSERT DATA {
    GRAPH <urn:g1> { <urn:a> a <urn:Doc> }
    GRAPH <urn:g2> { <urn:b> a <urn:Doc> }
}"""


def _store():
    store = open_store(None)
    store.update(DATA)
    return store


def _ask(store, pattern: str) -> bool:
    return bool(store.query(f"ASK {{ {pattern} }}"))


def test_using_graph_uri_makes_the_where_read_that_graph_only():
    store = _store()
    update = "INSERT { GRAPH <urn:out> { ?s a <urn:Seen> } } WHERE { ?s a <urn:Doc> }"
    store.update(with_using(update, ["urn:g1"], []))
    assert _ask(store, "GRAPH <urn:out> { <urn:a> a <urn:Seen> }")
    assert not _ask(store, "GRAPH <urn:out> { <urn:b> a <urn:Seen> }")


def test_using_named_graph_uri_gives_the_graphs_graph_can_match():
    store = _store()
    update = "INSERT { GRAPH <urn:out> { ?g <urn:holds> ?s } } WHERE { GRAPH ?g { ?s a <urn:Doc> } }"
    store.update(with_using(update, [], ["urn:g2"]))
    assert _ask(store, "GRAPH <urn:out> { <urn:g2> <urn:holds> <urn:b> }")
    assert not _ask(store, "GRAPH <urn:out> { <urn:g1> <urn:holds> <urn:a> }")


def test_every_operation_gets_the_clauses_and_delete_where_is_written_out():
    store = _store()
    update = (
        "DELETE WHERE { GRAPH <urn:g1> { ?s a <urn:Doc> } } ;\n"
        "INSERT { GRAPH <urn:out> { ?s a <urn:Seen> } } WHERE { ?s a <urn:Doc> }"
    )
    rewritten = with_using(update, ["urn:g2"], ["urn:g1"])
    assert rewritten.count("USING <urn:g2>") == 2 and rewritten.count("USING NAMED <urn:g1>") == 2
    store.update(rewritten)
    assert not _ask(store, "GRAPH <urn:g1> { ?s ?p ?o }")  # DELETE WHERE read g1 as named
    assert _ask(store, "GRAPH <urn:out> { <urn:b> a <urn:Seen> }")


def test_where_in_a_string_a_comment_an_iri_or_a_subquery_is_left_alone():
    update = (
        '# WHERE in a comment\nINSERT { <urn:x> <urn:says> "WHERE" } '
        "WHERE { { SELECT ?s WHERE { ?s a <urn:WHERE> } } }"
    )
    rewritten = with_using(update, ["urn:g1"], [])
    assert rewritten.count("USING") == 1
    assert rewritten.index("USING") < rewritten.index("WHERE { {")
    _store().update(rewritten)  # still SPARQL


def test_no_parameters_leave_the_update_as_it_is():
    update = "DELETE WHERE { ?s ?p ?o }"
    assert with_using(update, [], []) is update


@pytest.mark.parametrize(
    "update",
    [
        "WITH <urn:g1> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DELETE { ?s ?p ?o } USING <urn:g1> WHERE { ?s ?p ?o }",
        "delete { ?s ?p ?o } using named <urn:g1> where { graph ?g { ?s ?p ?o } }",
    ],
)
def test_parameters_and_a_dataset_of_the_updates_own_are_refused(update):
    assert own_dataset(update) in ("USING", "WITH")
    with pytest.raises(InputError, match="allows one dataset, not both") as refused:
        with_using(update, [], ["urn:g2"])
    assert refused.value.location.field == "using-named-graph-uri"


def test_a_graph_iri_that_would_end_the_clause_is_refused_not_written():
    with pytest.raises(InputError, match="is not an IRI"):
        with_using("INSERT { <urn:a> <urn:b> <urn:c> } WHERE {}", ["urn:g> } ; DROP ALL ; #"], [])


# -- an update's default graph is the union a query reads (rewritten) -----------------------------


def _run(store, update: str, using: list[str] | None = None) -> str:
    """``update`` as the service runs it, on ``store``; the text run."""
    text = rewritten(update, using or [], [], store.named_graphs())
    store.update(text)
    return text


def _in_own_default_graph(store) -> bool:
    return bool(store.query("ASK { ?s ?p ?o }", default_graphs=[DEFAULT_GRAPH]))


def test_delete_where_without_graph_removes_a_fact_a_file_stated():
    store = _store()
    _run(store, "DELETE WHERE { <urn:a> a ?type }")
    assert not _ask(store, "<urn:a> a <urn:Doc>")
    assert _ask(store, "GRAPH <urn:g2> { <urn:b> a <urn:Doc> }")  # what the pattern did not match stays


def test_insert_data_is_in_the_union_and_kept_in_the_default_graphs_named_graph():
    store = _store()
    _run(store, 'INSERT DATA { <urn:c> <urn:says> "hi" }')
    assert _ask(store, '<urn:c> <urn:says> "hi"')
    assert _ask(store, f'GRAPH {iri(DEFAULT_DATA_GRAPH)} {{ <urn:c> <urn:says> "hi" }}')
    assert not _in_own_default_graph(store)
    _run(store, 'DELETE DATA { <urn:c> <urn:says> "hi" }')  # and what it wrote can be deleted
    assert not _ask(store, '<urn:c> <urn:says> "hi"')


def test_a_where_joining_two_graphs_matches_and_graph_still_sees_each_graph():
    store = _store()
    store.update("INSERT DATA { GRAPH <urn:g3> { <urn:a> <urn:cites> <urn:b> } }")
    _run(
        store,
        "INSERT { GRAPH <urn:out> { ?x <urn:citesDoc> ?y . ?g <urn:holds> ?x } } "
        "WHERE { ?x <urn:cites> ?y . ?y a <urn:Doc> . GRAPH ?g { ?x a <urn:Doc> } }",
    )
    assert _ask(store, "GRAPH <urn:out> { <urn:a> <urn:citesDoc> <urn:b> . <urn:g1> <urn:holds> <urn:a> }")


def test_a_triple_held_in_two_graphs_is_deleted_from_both():
    store = _store()
    store.update("INSERT DATA { GRAPH <urn:g2> { <urn:a> a <urn:Doc> } }")
    _run(store, "DELETE DATA { <urn:a> a <urn:Doc> }")
    assert not _ask(store, "GRAPH ?g { <urn:a> a <urn:Doc> }")
    assert _ask(store, "GRAPH <urn:g2> { <urn:b> a <urn:Doc> }")


def test_a_template_variable_the_where_leaves_unbound_deletes_nothing():
    store = _store()
    _run(store, "DELETE { <urn:a> a ?type . ?unbound a ?type } WHERE { <urn:a> a ?type }")
    assert not _ask(store, "<urn:a> a <urn:Doc>") and _ask(store, "<urn:b> a <urn:Doc>")


def test_delete_insert_where_with_every_kind_of_term_and_graph_blocks_as_written():
    store = _store()
    store.update(
        'INSERT DATA { GRAPH <urn:g1> { <urn:a> <urn:n> -1.5, +2, .5, 1e3, true ; <urn:t> "x"@da, '
        '"2027"^^<http://www.w3.org/2001/XMLSchema#gYear> } }'
    )
    _run(
        store,
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        'DELETE { <urn:a> <urn:n> -1.5, +2, .5, 1e3, true ; <urn:t> "x"@da, "2027"^^xsd:gYear . '
        "GRAPH <urn:g2> { ?s a <urn:Doc> } } INSERT { <urn:a> <urn:done> true } WHERE { ?s a <urn:Doc> }",
    )
    assert not _ask(store, "<urn:a> <urn:n> ?n") and not _ask(store, "<urn:a> <urn:t> ?t")
    assert not _ask(store, "GRAPH <urn:g2> { ?s a <urn:Doc> }")  # the GRAPH block: SPARQL's semantics
    assert _ask(store, "<urn:a> a <urn:Doc>")  # in g1, which the GRAPH block did not name
    assert _ask(store, f"GRAPH {iri(DEFAULT_DATA_GRAPH)} {{ <urn:a> <urn:done> true }}")


def test_keywords_in_strings_iris_and_comments_are_left_as_written():
    store = _store()
    update = (
        "# DELETE WHERE { ?s ?p ?o } GRAPH DEFAULT ;\n"
        'INSERT DATA { GRAPH <urn:g1> { <urn:a> <urn:says> "DELETE { ?s ?p ?o } WHERE ; DEFAULT" } } ;\n'
        "DELETE { <urn:WHERE> <urn:p> 'GRAPH ; .' } WHERE { ?s a <urn:Doc> } # WHERE {"
    )
    text = _run(store, update)
    assert (
        '"DELETE { ?s ?p ?o } WHERE ; DEFAULT"' in text
        and "# DELETE WHERE { ?s ?p ?o } GRAPH DEFAULT ;" in text
    )
    assert _ask(store, '<urn:a> <urn:says> "DELETE { ?s ?p ?o } WHERE ; DEFAULT"')
    assert _ask(store, "<urn:a> a <urn:Doc>") and _ask(store, "<urn:b> a <urn:Doc>")


def test_operations_in_one_request_see_what_the_ones_before_wrote():
    store = _store()
    _run(
        store,
        "PREFIX ex: <urn:ex:>\nINSERT DATA { <urn:c> a <urn:Doc> . GRAPH ex:new { <urn:d> a <urn:Doc> } } ;\n"
        "INSERT { GRAPH <urn:out> { ?s a <urn:Seen> } } WHERE { GRAPH ex:new { ?s a <urn:Doc> } } ;\n"
        "DELETE DATA { <urn:c> a <urn:Doc> }",
    )
    assert _ask(store, "GRAPH <urn:out> { <urn:d> a <urn:Seen> }")
    assert not _ask(store, "<urn:c> a <urn:Doc>") and not _in_own_default_graph(store)


def test_default_in_graph_management_is_the_default_graphs_named_graph():
    store = _store()
    _run(store, "CLEAR DEFAULT")  # that graph does not exist yet: not an error, as DEFAULT is none
    _run(store, "INSERT DATA { <urn:c> a <urn:Doc> } ; COPY DEFAULT TO <urn:copy>")
    assert _ask(store, "GRAPH <urn:copy> { <urn:c> a <urn:Doc> }")
    _run(store, "CLEAR DEFAULT")
    assert not _ask(store, f"GRAPH {iri(DEFAULT_DATA_GRAPH)} {{ ?s ?p ?o }}")
    assert _ask(store, "GRAPH <urn:g1> { <urn:a> a <urn:Doc> }")  # CLEAR DEFAULT is not CLEAR ALL


def test_a_dataset_of_its_own_keeps_sparqls_semantics():
    store = _store()
    # USING: the WHERE reads g1 only; the template triple outside GRAPH names the store's own
    # default graph, which holds nothing: nothing is deleted
    _run(store, "DELETE { ?s a <urn:Doc> } USING <urn:g1> WHERE { ?s a <urn:Doc> }")
    assert _ask(store, "<urn:a> a <urn:Doc>")
    _run(store, "WITH <urn:g2> DELETE { ?s a <urn:Doc> } WHERE { ?s a <urn:Doc> }")
    assert not _ask(store, "<urn:b> a <urn:Doc>") and _ask(store, "<urn:a> a <urn:Doc>")
    # the protocol's using-graph-uri: the same, on every operation
    text = _run(store, "INSERT { GRAPH <urn:out> { ?s a <urn:Seen> } } WHERE { ?s a <urn:Doc> }", ["urn:g2"])
    assert "USING <urn:g2>" in text and not _ask(store, "GRAPH <urn:out> { ?s ?p ?o }")


@pytest.mark.parametrize(
    ("template", "construct", "at"),
    [
        ("_:b <urn:p> <urn:o>", "a blank node", 0),
        ("[] <urn:p> <urn:o>", "a blank node", 0),
        ("<urn:s> <urn:p> [ <urn:q> 1 ]", "a blank node", 16),
        ("<urn:s> <urn:p> (1 2)", "a collection", 16),
        ("<< <urn:s> <urn:p> <urn:o> >> <urn:q> 1", "a quoted triple", 0),
    ],
)
def test_a_template_that_cannot_be_split_into_triples_is_refused_where_it_is(template, construct, at):
    update = f"PREFIX ex: <urn:ex:>\nDELETE DATA {{ {template} }}"
    with pytest.raises(InputError, match=f"holds {construct}.*inside GRAPH") as refused:
        rewritten(update, [], [], [])
    location = refused.value.location
    assert (location.source, location.line, location.column) == ("update", 2, len("DELETE DATA { ") + at + 1)


def test_refused_too_a_variable_rsikg_keeps_and_a_template_that_is_not_sparql():
    with pytest.raises(InputError, match=r"_rsikg_, which rsikg keeps for its own"):
        rewritten("DELETE WHERE { ?_rsikg_g0 ?p ?o }", [], [], [])
    with pytest.raises(InputError, match="where an RDF term was expected"):
        rewritten("DELETE DATA { <urn:s> <urn:p> }", [], [], [])
    with pytest.raises(InputError, match=r"after a triple: expected '\.'"):
        rewritten("DELETE DATA { <urn:s> <urn:p> <urn:o> <urn:s2> <urn:p> <urn:o> }", [], [], [])


def test_an_update_reading_the_union_too_often_is_refused_and_one_with_a_dataset_is_not():
    graphs = [f"urn:rsikg:test:graph-{i:04}" for i in range(999)]  # with the default graph's: 1,000
    operation = "DELETE WHERE { <urn:nothing> <urn:p> ?o } ;\n"
    with pytest.raises(InputError, match=r"51 operations that read the union of the store's 1000 graphs"):
        rewritten(operation * 51, [], [], graphs)
    assert rewritten(operation * 50, [], [], graphs).count("USING NAMED <urn:rsikg:test:graph-0000>") == 50
    assert "USING" not in rewritten("INSERT DATA { <urn:a> <urn:b> <urn:c> } ;\n" * 5000, [], [], graphs)
    own = "DELETE { GRAPH <urn:g> { ?s ?p ?o } } USING <urn:g> WHERE { ?s ?p ?o } ;\n"
    assert rewritten(own * 5000, [], [], graphs).count("USING") == 5000


def test_the_default_graph_is_moved_once_per_run_of_writes():
    moved = "ADD DEFAULT TO"
    assert rewritten("INSERT DATA { <urn:a> <urn:b> <urn:c> } ;\n" * 100, [], [], []).count(moved) == 1
    insert, delete = "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "DELETE DATA { <urn:a> <urn:b> <urn:c> }"
    text = rewritten(f"{insert} ; {insert} ; {delete} ; {insert}", [], [], [])
    assert text.count(moved) == 2  # before the DELETE reads, and after the last write
    assert text.index(moved) < text.index("DELETE") < text.rindex(moved)


@pytest.mark.parametrize(
    "operation", ["CLEAR NAMED", "DROP SILENT NAMED", "INSERT DATA { <urn:n> <urn:p> 1 } ; CLEAR NAMED"]
)
def test_clear_and_drop_named_leave_the_default_graph(operation):
    store = _store()
    store.update(rewritten('INSERT DATA { <urn:d> <urn:p> "kept" }', [], [], store.named_graphs()))
    store.update(rewritten(operation, [], [], store.named_graphs()))
    assert _ask(store, f'GRAPH {iri(DEFAULT_DATA_GRAPH)} {{ <urn:d> <urn:p> "kept" }}')
    assert not _ask(store, "GRAPH <urn:g1> { ?s ?p ?o }") and not _ask(store, "GRAPH <urn:g2> { ?s ?p ?o }")
    if "INSERT" in operation:  # written to the default graph before the CLEAR: kept with it
        assert _ask(store, f"GRAPH {iri(DEFAULT_DATA_GRAPH)} {{ <urn:n> <urn:p> 1 }}")
    assert store.query("ASK { ?s ?p ?o }", default_graphs=[DEFAULT_GRAPH]) is False  # moved back


def test_a_graph_an_earlier_operation_names_relatively_is_in_the_union_of_the_later_ones():
    store = _store()
    update = (
        "BASE <http://example.org/> INSERT DATA { GRAPH <made> { <urn:m> a <urn:Doc> } } ; "
        "DELETE WHERE { <urn:m> a <urn:Doc> }"
    )
    assert "USING NAMED <http://example.org/made>" in rewritten(update, [], [], store.named_graphs())
    store.update(rewritten(update, [], [], store.named_graphs()))
    assert not _ask(store, "<urn:m> a <urn:Doc>")  # the DELETE read the new graph too
