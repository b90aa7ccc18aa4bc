"""What the README shows a command printing is what the command prints (issue 16, item 6).

Every ``$ rsikg …`` line of a fenced block in README.md is run, in the README's order, in a
shell in a folder that has the checkout's ``queries/`` and ``graph_data/``, against one store that
``rsikg load`` filled first (as ``make run`` does), on the day the README's outputs are of
(:data:`DAY`). The lines shown under a command must come out of it in that order: the README
may leave lines out (it says "excerpt", "abridged" or "…"), never show one the command does not
print. Table rows are compared cell by cell (the README trims column widths), times are not
compared. A command the README shows but that needs what a reader brings (a server, their own
broken file) is named in :data:`NOT_RUN`, with why.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import ROOT, _rsikg_command

README = ROOT / "README.md"
DAY = "2026-11-30"
"""The day the README's outputs are of (named queries and matrices are as of today)."""
NOT_RUN = {
    "rsikg load broken.ttl": "the reader's own broken file",
}
"""Commands the README shows that this test does not run, and why (``curl`` needs a server)."""
TIME = re.compile(r"\b\d+(\.\d+)? s\b")


@dataclass
class Shown:
    command: str
    lines: list[str] = field(default_factory=list)
    line_number: int = 0


def shown_commands(text: str) -> list[Shown]:
    """Each ``$ …`` line of a fenced block, with the lines shown under it."""
    found: list[Shown] = []
    fenced = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
            current = None
            continue
        if not fenced:
            continue
        if line.startswith("$ "):
            current = Shown(line[2:].strip(), line_number=number)
            found.append(current)
        elif current is not None:
            current.lines.append(line)
    return found


def normalised(line: str) -> str | None:
    """A line as compared: table rows as their cells, times left out; None for what is
    not compared (table borders, the README's "…")."""
    stripped = line.rstrip()
    if not stripped or stripped.strip() == "…" or stripped[0] in "┏┡└┌├╞":
        return None
    if stripped[0] in "│┃":
        return "|".join(cell.strip() for cell in re.split("[│┃]", stripped)[1:-1])
    return TIME.sub("N s", stripped)


def missing(shown: list[str], printed: list[str]) -> list[str]:
    """The shown lines that do not come out, in order, of what was printed."""
    wanted = [n for n in map(normalised, shown) if n is not None]
    got = iter([n for n in map(normalised, printed) if n is not None])
    lost = []
    for line in wanted:
        if not any(line == candidate for candidate in got):
            lost.append(line)
            got = iter([n for n in map(normalised, printed) if n is not None])  # report every one
    return lost


def _shell(workdir: Path, env: dict[str, str], commands: list[str]) -> list[str]:
    """Run ``commands`` in one shell; each one's output (stdout and stderr, as a terminal shows
    them), split by markers that keep ``$?`` as the command left it."""
    script = ["__status=0"]
    for n, command in enumerate(commands):
        script.append(f"echo '@@rsikg-readme {n}'")
        script.append("(exit $__status)")  # so that `echo $?` reads the command before it
        script.append(f"{command} 2>&1")
        script.append("__status=$?")
    run = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=workdir, env=env, capture_output=True, text=True, timeout=600
    )
    parts = re.split(r"^@@rsikg-readme \d+\n", run.stdout, flags=re.M)[1:]
    assert len(parts) == len(commands), run.stdout[-2000:] + run.stderr[-2000:]
    return parts


def test_the_parser_reads_the_readmes_commands():
    commands = [shown.command for shown in shown_commands(README.read_text(encoding="utf-8"))]
    assert "rsikg validate" in commands and "rsikg reason" in commands
    assert len(commands) >= 15


def test_the_comparison_fails_on_a_line_the_command_does_not_print():
    printed = ["┃ a ┃ b ┃", "│ 1 │ 2 │", "2 row(s)"]
    assert missing(["┃ a  ┃ b ┃", "│ 1 │ 2    │", "…", "2 row(s)"], printed) == []
    assert missing(["│ 1 │ 3 │"], printed) == ["1|3"]
    assert missing(["3 row(s)"], printed) == ["3 row(s)"]
    assert missing(["2 row(s)", "│ 1 │ 2 │"], printed) == ["1|2"]  # order counts


def test_every_output_the_readme_shows_is_what_the_command_prints(tmp_path):
    workdir = tmp_path / "reader"
    workdir.mkdir()
    for folder in ("queries", "graph_data"):
        (workdir / folder).symlink_to(ROOT / folder)
    rsikg = Path(_rsikg_command()[0])
    env = {
        "PATH": f"{rsikg.parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "RSIKG_PROJECT_DIR": str(ROOT),
        "RSIKG_STORE": str(tmp_path / "store"),
        "RSIKG_TODAY": DAY,
        "COLUMNS": "300",
        **({"JAVA_HOME": os.environ["JAVA_HOME"]} if "JAVA_HOME" in os.environ else {}),
    }
    shown = [
        s
        for s in shown_commands(README.read_text(encoding="utf-8"))
        if s.command.startswith(("rsikg", "echo"))
    ]
    skipped = {s.command for s in shown if s.command in NOT_RUN}
    assert skipped == set(NOT_RUN), "NOT_RUN names a command the README no longer shows"
    run = [s for s in shown if s.command not in NOT_RUN]
    printed = _shell(workdir, env, ["rsikg load", *(s.command for s in run)])[1:]
    problems = []
    for s, out in zip(run, printed, strict=True):
        lost = missing(s.lines, out.splitlines())
        if lost:
            problems.append(
                f"README.md:{s.line_number}: $ {s.command}\n  shown, not printed: {lost}\n"
                f"  printed:\n{out[:1500]}"
            )
    assert not problems, "\n\n".join(problems)
