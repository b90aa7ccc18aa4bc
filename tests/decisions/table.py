"""The table in graph_data/examples/decisions/README.md: what each illustrative record must give
when validated. The CLI and the HTTP tests both check every row."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

EXAMPLES = ROOT / "graph_data" / "examples" / "decisions"
TABLE = EXAMPLES / "README.md"


@dataclass(frozen=True)
class Row:
    """One row of the README table: what ``rsikg decision validate FILE`` must give."""

    file: str
    exit_code: int
    shapes: frozenset[tuple[str, str]]  # (shape's local name, severity) on the decision
    problems: tuple[tuple[str, int], ...]  # for exit 2: (what is named, line), in order

    @property
    def path(self) -> Path:
        return EXAMPLES / self.file


def _table() -> list[Row]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 4, f"a row of {TABLE.name} must have 4 cells: {line}"
        file_cell, _rule, exit_cell, fired = cells
        match = re.fullmatch(r"`([^`]+\.md)`", file_cell)
        assert match, f"the first cell must be a file name in backticks: {file_cell}"
        shapes = frozenset(re.findall(r"`rsish:(\w+)` \((Violation|Warning|Info)\)", fired))
        problems = tuple((name, int(n)) for name, n in re.findall(r"`([^`]+)` \(line (\d+)\)", fired))
        assert fired == "none" or shapes or problems, f"cannot read the last cell: {fired}"
        rows.append(Row(match[1], int(exit_cell), shapes, problems))
    return rows


ROWS = _table()
