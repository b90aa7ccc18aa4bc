"""Hostile MADR records: aliases, duplicate keys, long lists, deep nesting and oversized records
are refused at once with a located error naming the limit, never expanded or half-read."""

from __future__ import annotations

import time

import pytest
from rsikg.core.decisions.madr import MAX_FRONT_MATTER_DEPTH, MAX_LIST_ITEMS, RecordError
from rsikg.core.decisions.records import MAX_RECORD_BYTES, read_record
from rsikg.errors import InputError

GOOD = (
    "---\nid: adr-1\ntitle: T\nstatus: proposed\ndate: 2025-01-01\n"
    "decided-by: rita\nkind: architecture\n---\n"
    "## Context and Problem Statement\nk\n## Decision Outcome\nb\n## Consequences\nc\n"
)


def _refused(text: str) -> InputError:
    with pytest.raises(RecordError) as caught:
        read_record(text.encode(), "text/markdown", "adr.md")
    (problem,) = caught.value.problems
    return problem


def test_duplicate_keys_are_refused_naming_both_lines():
    problem = _refused(GOOD.replace("status: proposed\n", "status: accepted\nstatus: rejected\n"))
    assert (problem.location.line, problem.location.column, problem.location.field) == (5, 1, "status")
    assert "duplicate key 'status'" in problem.message
    assert "first at line 4" in problem.message


def test_a_nested_duplicate_key_is_refused_too():
    problem = _refused(GOOD.replace("kind: architecture\n", "kind: {a: 1, a: 2}\n"))
    assert (problem.location.line, problem.location.column, problem.location.field) == (7, 14, "kind")
    assert "duplicate key 'a'" in problem.message


def test_an_alias_bomb_is_refused_at_its_first_anchor_without_expanding():
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 8)]
    text = GOOD.replace("kind: architecture\n", "kind: architecture\n" + "\n".join(levels) + "\nlang: *a7\n")
    start = time.perf_counter()
    problem = _refused(text)
    assert time.perf_counter() - start < 10  # expanded, 9**8 items would take far longer
    assert (problem.location.line, problem.location.field) == (8, "a0")
    assert "anchors and aliases" in problem.message


def test_a_lone_anchor_is_refused():
    problem = _refused(GOOD.replace("title: T\n", "title: &t T\n"))
    assert (problem.location.line, problem.location.column, problem.location.field) == (3, 8, "title")


def test_a_list_of_the_limit_reads_and_one_more_item_is_refused():
    items = [f"s{i}" for i in range(MAX_LIST_ITEMS)]
    at_limit = GOOD.replace("kind: architecture\n", f"kind: architecture\naffects: [{', '.join(items)}]\n")
    assert len(read_record(at_limit.encode(), "text/markdown", "adr.md").graph) > MAX_LIST_ITEMS
    problem = _refused(at_limit.replace("affects: [", "affects: [extra, "))
    assert (problem.location.line, problem.location.field) == (8, "affects")
    assert f"more than {MAX_LIST_ITEMS} items (the limit)" in problem.message


def test_a_huge_block_list_stops_at_the_limit():
    items = "".join(f"  - s{i}\n" for i in range(90_000))  # under 1 MiB, 90 times the limit
    problem = _refused(GOOD.replace("kind: architecture\n", f"kind: architecture\naffects:\n{items}"))
    # where it stopped, not how long it took (a timed assertion failed on a loaded CI machine)
    assert (problem.location.line, problem.location.field) == (9 + MAX_LIST_ITEMS, "affects")


def test_too_many_keys_are_refused():
    keys = "".join(f"k{i}: v\n" for i in range(MAX_LIST_ITEMS + 5))
    problem = _refused(GOOD.replace("kind: architecture\n", "kind: architecture\n" + keys))
    assert f"more than {MAX_LIST_ITEMS} keys" in problem.message
    assert problem.location.line == 8 + MAX_LIST_ITEMS - 6  # the first key past the limit


def test_deep_nesting_is_refused_not_a_recursion_error():
    nested = "[" * 10_000 + "]" * 10_000
    problem = _refused(GOOD.replace("kind: architecture\n", f"kind: architecture\naffects: {nested}\n"))
    assert problem.location.field == "affects"
    assert f"nested deeper than {MAX_FRONT_MATTER_DEPTH} levels" in problem.message


def test_a_record_over_the_size_limit_is_refused_before_it_is_read():
    text = GOOD + "x" * MAX_RECORD_BYTES
    with pytest.raises(InputError, match=f"limit of {MAX_RECORD_BYTES} bytes") as caught:
        read_record(text.encode(), "text/markdown", "adr.md")
    assert caught.value.location.source == "adr.md"
    with pytest.raises(InputError, match=f"limit of {MAX_RECORD_BYTES} bytes"):
        read_record(b" " * (MAX_RECORD_BYTES + 1), "text/turtle", "body")
