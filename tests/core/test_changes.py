"""``changes``: what changes between two dates, over the project's graph (sourced data and the
derived graph https://w3id.org/rsikg/graph/derived/reform-2027, as load_project writes it)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from rsikg.core.changes import Change, Report, changes, parse_day, to_csv, to_text, window
from rsikg.core.derive import (
    DERIVED_GRAPH,
    RULE_MEMBERSHIP_ENDS,
    RULE_SECTION_126,
    RULE_SECTION_126_OBLIGATIONS,
)
from rsikg.errors import InputError, Location

ID = "https://w3id.org/rsikg/id/"
REGION = f"{ID}region/"
ORG = f"{ID}org/"
EVENT = f"{ID}event/"
S57 = "https://www.elov.dk/lov-om-overgangen-til-en-ny-sundhedsstruktur-overgangsloven/paragraf/126"


@pytest.fixture(scope="module")
def reform(project_store) -> Report:
    return changes(project_store, date(2026, 12, 31), date(2027, 1, 1))


def one(report: Report, kind: str, subject: str) -> Change:
    found = [c for c in report.of_kind(kind) if c.subject == subject]
    assert len(found) == 1, [c.subject for c in report.of_kind(kind)]
    return found[0]


def test_the_store_has_the_derived_graph(project_store):
    assert DERIVED_GRAPH in project_store.named_graphs()


def test_region_oestdanmark_is_founded_on_the_first_day(reform):
    line = one(reform, "founded", f"{REGION}region-oestdanmark")
    assert (line.label, line.date, line.derived) == ("Region Østdanmark", "2027-01-01", False)
    assert "S56" in line.source_ids


@pytest.mark.parametrize(
    ("slug", "label"), [("region-hovedstaden", "Region Hovedstaden"), ("region-sjaelland", "Region Sjælland")]
)
def test_the_two_regions_are_dissolved_the_day_after_their_last(reform, slug, label):
    line = one(reform, "dissolved", f"{REGION}{slug}")
    assert (line.label, line.date, line.derived) == (label, "2027-01-01", False)
    assert "2026-12-31" in line.text
    assert {"S56", "S57"} <= set(line.source_ids)


def test_the_merger_names_its_originals_and_result(reform):
    line = one(reform, "change-event", f"{EVENT}region-oestdanmark-2027")
    assert line.date == "2027-01-01"
    originals, result = line.text.split(" → ")
    assert set(originals.split(", ")) == {"Region Hovedstaden", "Region Sjælland"}
    assert result == "Region Østdanmark"


def test_digital_sundhed_danmark_is_founded_and_its_originals_dissolved(reform):
    founded = one(reform, "founded", f"{ORG}digital-sundhed-danmark")
    assert founded.label == "Digital Sundhed Danmark"
    event = one(reform, "change-event", f"{EVENT}digital-sundhed-danmark-2027")
    for slug, label in (
        ("sundhedsdatastyrelsen", "Sundhedsdatastyrelsen"),
        ("medcom", "MedCom"),
        ("sundhed-dk", "sundhed.dk"),
    ):
        assert label in event.text.split(" → ")[0]
        dissolved = one(reform, "dissolved", f"{ORG}{slug}")
        assert (dissolved.date, dissolved.source_ids) == ("2027-01-01", ("S58",))
    # the National Genome Centre is an original but no source ends it: not dissolved
    assert f"{ORG}nationalt-genom-center" not in {c.subject for c in reform.of_kind("dissolved")}


def test_the_derived_memberships_are_marked_derived_with_their_rule(reform):
    started, ended = reform.of_kind("membership-started"), reform.of_kind("membership-ended")
    assert len(started) == 4 and len(ended) == 12
    assert all(c.derived and c.label.startswith("Region Østdanmark") for c in started)
    assert all(c.sources[:2] == (str(RULE_SECTION_126), S57) for c in started)
    assert all(c.derived and c.sources[0] == str(RULE_MEMBERSHIP_ENDS) for c in ended)
    assert {c.label.split(" i ")[0] for c in ended} == {"Region Hovedstaden", "Region Sjælland"}


def test_sundhedsplatformen_passes_to_region_oestdanmark_by_section_126(reform):
    line = one(reform, "system", f"{ID}system/sundhedsplatformen")
    assert line.derived
    assert "used by Region Hovedstaden" in line.text
    assert "passes to Region Østdanmark" in line.text
    assert line.sources[:2] == (str(RULE_SECTION_126_OBLIGATIONS), S57)
    assert "S57" in line.source_ids


def test_a_system_of_an_original_that_is_no_region_is_not_guessed(reform):
    line = one(reform, "system", f"{ID}system/fmk")
    assert not line.derived
    assert "operated by Sundhedsdatastyrelsen" in line.text and "do not say" in line.text


def test_the_open_questions_of_both_events(reform):
    questions = {c.subject: c for c in reform.of_kind("open-question")}
    stated = questions[f"{ID}question/digital-sundhed-danmark-2027-it-loesninger"]
    assert not stated.derived and stated.source_ids == ("S58",)
    derived = [c for c in questions.values() if c.derived]
    assert derived and all(c.subject.startswith(f"{ID}question/region-oestdanmark-2027/") for c in derived)


def test_an_empty_window_has_no_reform_lines(project_store):
    report = changes(project_store, date(2025, 1, 1), date(2025, 6, 1))
    assert report.changes == []
    assert "No changes recorded" in to_text(report)


def test_the_day_before_is_not_in_the_window(project_store):
    # 2027-01-01 itself is the start: nothing founded then is "after" it
    report = changes(project_store, date(2027, 1, 1), date(2027, 6, 1))
    assert f"{REGION}region-oestdanmark" not in {c.subject for c in report.changes}


def test_a_year_precision_date_is_in_the_window_that_crosses_into_that_year(project_store):
    # Region Sjælland's start is the gYear "2007": it begins between 2006-12-31 and 2007-01-01
    report = changes(project_store, date(2006, 12, 31), date(2007, 1, 1))
    assert f"{REGION}region-sjaelland" in {c.subject for c in report.of_kind("founded")}
    later = changes(project_store, date(2007, 1, 1), date(2007, 12, 31))
    assert f"{REGION}region-sjaelland" not in {c.subject for c in later.changes}


def test_text_markdown_and_csv_renderings(reform):
    text = to_text(reform)
    assert "Founded (2):" in text and "[derived]" in text
    markdown = to_text(reform, markdown=True)
    assert markdown.startswith("# Changes after 2026-12-31 up to and including 2027-01-01")
    assert "## Open questions (" in markdown
    rows = list(csv.DictReader(io.StringIO(to_csv(reform))))
    assert len(rows) == len(reform.changes)
    assert {r["derived"] for r in rows} == {"true", "false"}


@pytest.mark.parametrize("value", ["2027-02-30", "20270101", "2027-W01-1", "yesterday", ""])
def test_a_bad_day_is_an_input_error_naming_the_option(value):
    with pytest.raises(InputError, match="--from") as caught:
        parse_day(value, "--from", Location(field="--from"))
    assert caught.value.location.field == "--from"


def test_a_window_ending_before_it_starts_is_refused():
    with pytest.raises(InputError, match=r"--to \(2026-12-31\) is before --from \(2027-01-01\)"):
        window("2027-01-01", "2026-12-31", ("--from", "--to"))


def test_a_decision_for_the_merged_regions_passes_to_the_successor(project_store_with_examples):
    report = changes(project_store_with_examples, date(2026, 12, 31), date(2027, 1, 1))
    decisions = {c.subject.rsplit("/", 1)[-1]: c for c in report.of_kind("decision")}
    assert decisions and all(c.derived and c.sources[1] == S57 for c in decisions.values())
    line = next(c for slug, c in decisions.items() if "003" in slug)
    assert "passes to Region Østdanmark" in line.text
    assert "Region Hovedstaden: afviger og forklarer" in line.text and "Region Sjælland: følger" in line.text


def test_without_the_examples_there_is_no_decision_line(reform):
    assert reform.of_kind("decision") == []
