"""The ``>>>`` examples in docstrings run, so a documented example cannot drift from the code.

Only modules listed here are run: pure functions whose examples need no store or server. Each
module names how many examples it has at least, so that a docstring rewritten without its
examples (doctest then attempts nothing and reports no failure) fails here.
"""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = {
    "rsikg.core.namespaces": 1,
    "rsikg.core.sparql_terms": 21,
    "rsikg.core.periods": 9,
}
"""Module → the fewest examples it must attempt (today's count)."""


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_docstring_example_runs_as_written(name: str) -> None:
    module = importlib.import_module(name)
    results = doctest.testmod(module, verbose=False, report=True)
    assert results.failed == 0, f"{results.failed} docstring example(s) of {name} failed (printed above)"
    assert results.attempted >= MODULES[name], (
        f"{name}: {results.attempted} docstring examples attempted, expected at least {MODULES[name]}"
    )
