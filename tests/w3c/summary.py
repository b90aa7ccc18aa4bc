"""Prints how many entries of each W3C suite passed, at the end of the test run.

A plugin that tests/conftest.py registers, not a hook of tests/w3c/conftest.py: under
pytest-xdist the controller, which prints the summary, collects nothing and so never loads the
conftest files below the initial ones. It counts the test reports the workers send back, by the
module of their node id.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

SUITES = {
    "tests/w3c/test_protocol_suite.py": "W3C SPARQL 1.1 Protocol suite",
    "tests/w3c/test_graph_store_suite.py": "W3C Graph Store Protocol suite",
}


def outcomes(reports: list[pytest.TestReport]) -> dict[str, dict[str, str]]:
    """Each suite's tests by node id, with one outcome each: failed if any phase failed (an error
    in setup or teardown too), else skipped if a phase skipped, else passed."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    rank = {"passed": 0, "skipped": 1, "failed": 2}
    for report in reports:
        module = report.nodeid.split("::", 1)[0]
        if module not in SUITES:
            continue
        before = found[module].get(report.nodeid, "passed")
        found[module][report.nodeid] = max(before, report.outcome, key=rank.__getitem__)
    return found


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reports = [
        r for kind in terminalreporter.stats.values() for r in kind if isinstance(r, pytest.TestReport)
    ]
    for module, tests in sorted(outcomes(reports).items()):
        counts = list(tests.values())
        line = f"{SUITES[module]}: {counts.count('passed')}/{len(counts)} passed"
        if counts.count("skipped"):
            line += f", {counts.count('skipped')} skipped"
        terminalreporter.write_line(line)
