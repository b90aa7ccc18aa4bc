"""The row-cap planner, on the tokens the guard lexed."""

from __future__ import annotations

import pytest

from api.core.sparql_guard import inspect
from api.core.sparql_plan import row_cap_plan


@pytest.mark.parametrize("limit", ["1.5", "1e3", "2.0E1"])
def test_a_limit_that_is_no_integer_is_left_for_oxigraph_to_refuse(limit):
    # not a crash (a 500): the query runs as written and Oxigraph answers a syntax error (a 400)
    features = inspect(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {limit}")
    assert features.form == "SELECT"
    assert row_cap_plan(features, 1000) is None
