"""SHACL validation of the store and of extra files."""

from __future__ import annotations

import pytest
import rdflib
from rsikg.core.loading import load_project
from rsikg.core.validation import validate_store
from rsikg.errors import RdfSyntaxError

from tests.conftest import FIXTURES

T = rdflib.Namespace("https://w3id.org/rsikg/id/test/")
FORUM = rdflib.Namespace("https://w3id.org/rsikg/id/forum/")
# violating.ttl adds a region with no label and no source; and, having no seats, it also makes
# each forum with two seats per region break the governance rule
EXPECTED_FOCUS = {
    T["region-nowhere"],
    FORUM["rsi-direktoerkredsen"],
    FORUM["digitaliseringskredsen"],
    FORUM["rsi-styregruppe-2010"],
}
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def test_project_data_has_no_violations(project_store, settings):
    report = validate_store(project_store, settings)
    violations = [r for r in report.results if r.severity == "Violation"]
    assert violations == [], report.to_text()
    assert report.conforms


def test_extra_file_with_violations_is_reported_and_not_written(store, settings):
    load_project(store, settings)
    before = len(store)
    report = validate_store(store, settings, [FIXTURES / "violating.ttl"])
    assert not report.conforms
    violations = {(r.focus_node, r.component) for r in report.results if r.severity == "Violation"}
    assert (T["region-nowhere"], SH.MinCountConstraintComponent) in violations
    assert {r.focus_node for r in report.results if r.severity == "Violation"} == EXPECTED_FOCUS
    assert len(store) == before


def test_report_carries_messages_in_danish_and_english(store, settings):
    load_project(store, settings)
    report = validate_store(store, settings, [FIXTURES / "violating.ttl"])
    for result in report.results:
        assert {"da", "en"} <= result.messages.keys(), result
        assert result.source_shape is not None
    as_json = report.as_json()
    assert as_json["violations"] == len([r for r in report.results if r.severity == "Violation"])
    assert "Does not conform" in report.to_text()
    assert "region-nowhere" in report.to_text("da")


def test_files_can_be_checked_before_anything_is_loaded(store, settings):
    # an empty store: the ontology and vocabularies stand in, so sh:class still resolves
    report = validate_store(store, settings, [FIXTURES / "violating.ttl"])
    # no fora in this store, so only the region itself
    assert {r.focus_node for r in report.results if r.severity == "Violation"} == {T["region-nowhere"]}


def test_malformed_extra_file_is_located(store, settings):
    with pytest.raises(RdfSyntaxError) as raised:
        validate_store(store, settings, [FIXTURES / "malformed.ttl"])
    assert raised.value.location.line == 3


def test_a_message_template_that_names_a_value_twice_is_left_as_reported_not_a_crash() -> None:
    """pySHACL's filled-in message is matched against each language's template to read its
    values back; a template naming one value twice cannot be read so (its regular expression
    once defined the group twice and raised), and the message stays as pySHACL gave it."""
    from rsikg.core.validation import _fill_languages

    templates = {"da": "{?x} og {?x}", "en": "{?x} and {?x}"}
    assert _fill_languages({"und": "a and a"}, templates) == {"und": "a and a"}
    filled = _fill_languages(
        {"und": "System A lacks B"}, {"da": "{?x} mangler {$y}", "en": "System {?x} lacks {$y}"}
    )
    assert filled == {"da": "A mangler B", "en": "System A lacks B"}
