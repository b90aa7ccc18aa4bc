"""Kill -9 at random points during writes, loads (small and over the bulk threshold) and
decision adoption: the store opens, holds exactly the old or the new content, never a mix, and
no scratch or journal state survives the next open.

Each scenario makes its "old" store once (a copy of a store with the project loaded, plus the
scenario's first version), runs the write to completion once on a copy to learn the "new"
content and how long the write takes, then kills the write after a random delay within that
time, RUNS times (8; RSIKG_DURABILITY_RUNS), each on a fresh copy of the old store. The delays
come from random.Random(SEED), SEED drawn from the checkout's commit (other kill points for each
commit); a failure names the seed, the run and the delay, so it reproduces with
RSIKG_DURABILITY_SEED=<seed>.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import anyio
import pytest
from rsikg.core.loading import load_project
from rsikg.core.service import GraphService
from rsikg.core.store import OxigraphStore
from rsikg.core.store.diffs import MAX_TERM_BYTES
from rsikg.core.store.journal import Journal
from rsikg.core.store.oxigraph import BULK_THRESHOLD
from rsikg.core.validation import validate_store
from rsikg.errors import InputError
from rsikg.settings import Settings

from tests.conftest import ROOT
from tests.core.test_merged_graph import assert_kept

RUNS = int(os.environ.get("RSIKG_DURABILITY_RUNS", "8"))


def _seed() -> int:
    """RSIKG_DURABILITY_SEED, else one drawn from the checkout's commit: the same kill points
    for a commit, every time (a failure reproduces), and others for the next commit, so that
    the runs of successive commits try more of them than one fixed seed would."""
    if "RSIKG_DURABILITY_SEED" in os.environ:
        return int(os.environ["RSIKG_DURABILITY_SEED"])
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return int(head.stdout[:8], 16) if head.returncode == 0 and head.stdout[:8].isalnum() else 9


SEED = _seed()
DECISIONS = ROOT / "graph_data" / "examples" / "decisions"
PUT_GRAPH = "https://example.org/durability/put"

# Blank-node labels are fresh on every load, and adoption stamps the time: neither tells two
# contents apart, so both are masked before the store's quads are hashed.
_BLANK = re.compile(r"(?<![\w\"])_:[A-Za-z0-9]+")
_STAMP = re.compile(r"\"[^\"]*\"\^\^<http://www\.w3\.org/2001/XMLSchema#dateTime>")


def _rsikg() -> list[str]:
    script = Path(sys.executable).with_name("rsikg")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rsikg.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "RSIKG_PROJECT_DIR": str(ROOT), "PYTHONPATH": str(ROOT)}


def fingerprint(store_dir: Path) -> str:
    """Open the store (which completes or discards an interrupted write) and hash its quads,
    after checking that the default graph queries read is still every graph merged."""
    store = OxigraphStore(store_dir)
    try:
        assert_kept(store, f"the store at {store_dir}, opened after the kill")
        lines = sorted(_STAMP.sub('"T"', _BLANK.sub("_:b", line)) for line in store.quads_nquads())
    finally:
        del store  # closes it: the next open must not find it locked
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def leftovers(store_dir: Path) -> list[str]:
    """What the store's folder holds besides the store (scratch stores, journals)."""
    return sorted(p.name for p in store_dir.parent.iterdir() if p != store_dir)


def conforms(store_dir: Path) -> bool:
    store = OxigraphStore(store_dir)
    try:
        return validate_store(store, Settings(store=str(store_dir), project_dir=ROOT)).conforms
    finally:
        del store


@dataclass
class Outcome:
    old: int = 0
    new: int = 0
    torn: list[str] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)
    completed: int = 0  # kills that left a committed journal entry for the next open

    def line(self, name: str, duration: float) -> str:
        return (
            f"{name}: {self.old} old, {self.new} new ({self.completed} completed from the journal), "
            f"{len(self.torn)} torn, {len(self.leftover)} with scratch or journal left after the "
            f"next open; the write takes {duration:.2f} s; seed {SEED}"
        )


def _start(command: list[str], after: str | None) -> subprocess.Popen[bytes]:
    """Start the command; if ``after``, return once it has printed that line (or ended)."""
    child = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    while after and (line := child.stdout.readline()) and line.strip() != after.encode():
        pass
    return child


def _run(command: list[str], delay: float | None, *, after: str | None = None) -> None:
    """Run the command; kill it with SIGKILL ``delay`` seconds after it started, or after it
    printed ``after`` (None: let it finish)."""
    child = _start(command, after)
    try:
        out, err = child.communicate(timeout=300 if delay is None else delay)
        assert delay is not None or child.returncode == 0, (out + err).decode()[-2000:]
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()


def _timed(command: list[str], marks: list[str]) -> list[float]:
    """Run the command to its end: when (time.monotonic()) it started or printed its first
    mark, then printed each further mark, and ended."""
    child = _start(command, marks[0] if marks else None)
    times = [time.monotonic()]
    for mark in marks[1:]:
        assert child.stdout is not None
        while (line := child.stdout.readline()) and line.strip() != mark.encode():
            pass
        assert line, f"the command never printed {mark!r}"
        times.append(time.monotonic())
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, (out + err).decode()[-2000:]
    return [*times, time.monotonic()]


@dataclass
class Schedule:
    """When to kill: even runs anywhere in the write (from its start, or from its first mark);
    odd runs inside its commit, between two marks it prints (``window``), or for a command
    that prints none, in the last 40% of its time, where the CLI's writes commit."""

    marks: list[str]
    times: list[float]

    def kill(self, rng: random.Random, run: int) -> tuple[float, str | None]:
        first = self.marks[0] if self.marks else None
        duration = self.times[-1] - self.times[0]
        if run % 2 == 0:
            return rng.uniform(0, duration), first
        if len(self.marks) == 3:  # ready, commit starts, commit ends
            return rng.uniform(0, self.times[2] - self.times[1]), self.marks[1]
        return rng.uniform(0.6 * duration, duration), first


def kill_runs(
    tmp: Path,
    old_store: Path,
    command: list[str],
    name: str,
    marks: list[str] | None = None,
    runs: int = RUNS,
) -> tuple[Outcome, float]:
    """``runs`` kills of ``command`` + [the store], each on a fresh copy of ``old_store``."""
    old = fingerprint(old_store)
    reference = tmp / "reference" / "store"
    shutil.copytree(old_store, reference)
    schedule = Schedule(marks or [], _timed([*command, str(reference)], marks or []))
    new = fingerprint(reference)
    assert new != old, "the write changes nothing: the test would prove nothing"
    rng = random.Random(f"{SEED}-{name}")
    outcome = Outcome()
    for run in range(runs):
        store_dir = tmp / f"run{run}" / "store"
        shutil.copytree(old_store, store_dir)
        delay, after = schedule.kill(rng, run)
        _run([*command, str(store_dir)], delay, after=after)
        outcome.completed += (store_dir.parent / f".{store_dir.name}.journal").exists()
        seen = fingerprint(store_dir)
        what = f"run {run} (killed {delay:.3f} s after {after or 'the start'}; seed {SEED})"
        if seen == old:
            outcome.old += 1
        elif seen == new:
            outcome.new += 1
        else:
            outcome.torn.append(what)
        if left := leftovers(store_dir):
            outcome.leftover.append(f"{what}: {left}")
        shutil.rmtree(store_dir.parent)
    return outcome, schedule.times[-1] - schedule.times[0]


def check(outcome: Outcome, name: str, duration: float) -> None:
    print(outcome.line(name, duration))
    assert not outcome.torn, f"{name}: neither the old nor the new content after {outcome.torn}"
    assert not outcome.leftover, f"{name}: scratch or journal state outlived an open: {outcome.leftover}"


# --------------------------------------------------------------------------------------------
# The stores and files each scenario starts from
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the project and its examples loaded (copied, never written to)."""
    path = tmp_path_factory.mktemp("base") / "store"
    store = OxigraphStore(path)
    load_project(store, Settings(store=str(path), project_dir=ROOT), examples=True)
    store.flush()
    del store
    return path


def _triples(version: str, count: int, *, blank: bool) -> Iterator[str]:
    """``count`` triples of one version; every other one on a blank node when ``blank``."""
    for i in range(count):
        subject = f"<urn:x-durability:s{i}>" if not blank or i % 2 else f"_:n{i}"
        yield f'{subject} <urn:x-durability:value> "{version} {i}" .\n'


def _write(path: Path, version: str, count: int, *, blank: bool) -> Path:
    path.write_text("".join(_triples(version, count, blank=blank)))
    return path


def _old_store(base: Path, tmp: Path, first: list[str]) -> Path:
    """A copy of the base store with the scenario's first version written by ``first``."""
    old = tmp / "old" / "store"
    shutil.copytree(base, old)
    if first:
        _run([*first, str(old)], None)
    return old


# --------------------------------------------------------------------------------------------
# The scenarios
# --------------------------------------------------------------------------------------------


def test_kill_during_a_service_write(base, tmp_path):
    """(a) PUT through the service's write path: scratch copy, shapes, then the diff (2,000
    triples out, 2,000 in, half on blank nodes: the journal's path) committed to the store.
    The delays count from when the child has the store open, or from the commit's start."""
    child = [sys.executable, str(ROOT / "tests" / "durability_child.py")]
    first = _write(tmp_path / "a.ttl", "a", 2_000, blank=True)
    second = _write(tmp_path / "b.ttl", "b", 2_000, blank=True)
    old = _old_store(base, tmp_path, [*child, PUT_GRAPH, str(first)])
    put = [*child, PUT_GRAPH, str(second)]
    outcome, duration = kill_runs(tmp_path, old, put, "service write", ["ready", "commit", "committed"])
    check(outcome, "service write", duration)


def test_kill_during_a_small_load(base, tmp_path):
    """(b) ``rsikg load FILE`` replacing a graph of 2,000 triples."""
    data = _write(tmp_path / "small.nt", "a", 2_000, blank=True)
    old = _old_store(base, tmp_path, [*_rsikg(), "load", str(data), "--store"])
    _write(data, "b", 2_000, blank=True)
    outcome, duration = kill_runs(tmp_path, old, [*_rsikg(), "load", str(data), "--store"], "small load")
    check(outcome, "small load", duration)


def test_kill_during_a_load_over_the_bulk_threshold(base, tmp_path):
    """(c) ``rsikg load FILE`` of 2,000 more quads than BULK_THRESHOLD (the bulk loader, which
    is no transaction at all), replacing the file's earlier 2,000 (few, to keep the runs short:
    what the bulk loader leaves half done is the new quads)."""
    data = _write(tmp_path / "big.nt", "a", 2_000, blank=False)
    old = _old_store(base, tmp_path, [*_rsikg(), "load", str(data), "--store"])
    _write(data, "b", BULK_THRESHOLD + 2_000, blank=False)
    # half the runs: each loads and on reopening replays 52,000 quads twice, then compacts
    # (6.5 s a run, 134 s for 20: the slowest test of make test)
    command = [*_rsikg(), "load", str(data), "--store"]
    outcome, duration = kill_runs(tmp_path, old, command, "bulk load", runs=max(2, RUNS // 2))
    check(outcome, "bulk load", duration)


def test_kill_during_decision_adoption(base, tmp_path):
    """(d) ``rsikg decision add`` of 0011, which adopts a decision and supersedes eksempel-002;
    the shapes run on both contents (the others add data no shape targets)."""
    record = DECISIONS / "0011-dokumentdeling-via-nsp-med-ihe-mhd.md"
    old = _old_store(base, tmp_path, [])
    adopt = [*_rsikg(), "decision", "add", str(record), "--agent", "test", "--store"]
    outcome, duration = kill_runs(tmp_path, old, adopt, "decision adoption")
    check(outcome, "decision adoption", duration)
    assert conforms(old) and conforms(tmp_path / "reference" / "store")


# --------------------------------------------------------------------------------------------
# The journal and the checks before a write, in this process
# --------------------------------------------------------------------------------------------

GRAPH = "urn:x-durability:g"
AWKWARD = [
    '"a\\\\u0041b"',  # a backslash and a u, not an escape
    '"q\\"uote\\\\"',
    '"new\\nline\\rreturn\\ttab"',
    '"ctl\\u0001\\u007F"',
    '"ø 😀 \\u2028"',
    "\"x'''y\"",
    '"01"^^<http://www.w3.org/2001/XMLSchema#integer>',
    '"1.50"^^<http://www.w3.org/2001/XMLSchema#decimal>',
    '"not a number"^^<http://www.w3.org/2001/XMLSchema#integer>',
    '"colour"@en-GB',
]


def _lines(version: str, *, blank: bool = False) -> list[str]:
    subject = "_:n" if blank else "<urn:x-durability:s>"
    lines = [f"{subject} <urn:x-durability:{version}{i}> {o} <{GRAPH}> ." for i, o in enumerate(AWKWARD)]
    lines.append(f'<urn:x-durability:s> <urn:x-durability:in-default> "{version}" .')
    return lines


def _opened(path: Path) -> OxigraphStore:
    store = OxigraphStore(path)
    store.apply_diff([], _lines("old", blank=True))
    return store


def _expected(removed: list[str], added: list[str]) -> set[str]:
    """What a store holds after the diff, computed by pyoxigraph's own add and remove."""
    reference = OxigraphStore()
    reference.apply_diff([], _lines("old", blank=True))
    for line in removed:  # one at a time, the way the code under test never does
        reference.apply_diff([line], [])
    for line in added:
        reference.apply_diff([], [line])
    return set(reference.quads_nquads())


@pytest.mark.parametrize("blank", [False, True], ids=["one transaction", "journal"])
def test_a_diff_of_awkward_terms_removes_and_adds_exactly_its_quads(tmp_path, blank):
    store = _opened(tmp_path / "store")
    removed = [q for q in store.quads_nquads() if any(k in q for k in ("old3", "old6", "in-default"))]
    added = _lines("new", blank=blank)
    store.apply_diff(removed, added, created=["urn:x-durability:empty"])
    assert set(store.quads_nquads()) == _expected(removed, added)
    assert "urn:x-durability:empty" in store.named_graphs()
    store.apply_diff([], [], dropped=["urn:x-durability:empty"])
    assert "urn:x-durability:empty" not in store.named_graphs()
    assert leftovers(tmp_path / "store") == []


def test_a_committed_journal_entry_is_completed_and_an_unfinished_one_dropped_on_open(tmp_path):
    path = tmp_path / "store"
    store = _opened(path)
    old = list(store.quads_nquads())
    half = old[: len(old) // 2]
    store.apply_diff(half, [])  # as if a crash stopped the diff below halfway
    del store
    new = _lines("new", blank=True)
    body = "\n".join([*old, *new]).encode()
    Journal(path).commit({"kind": "diff", "removed": len(old), "dropped": [], "created": []}, body)
    unfinished = tmp_path / ".store.journal.tmp"
    unfinished.write_bytes(b'{"kind": "replace", "graphs": ["urn:x-durability:g"]}\n')
    store = OxigraphStore(path)
    assert set(_BLANK.sub("_:b", line) for line in store.quads_nquads()) == {
        _BLANK.sub("_:b", line) for line in _expected(old, new)
    }
    assert leftovers(path) == []


def test_a_replace_journal_entry_refills_its_graphs_on_open(tmp_path):
    path = tmp_path / "store"
    _opened(path)  # closed at once: nothing holds it
    body = b'<urn:x-durability:s> <urn:x-durability:p> "replaced" <urn:x-durability:g> .\n'
    Journal(path).commit({"kind": "replace", "graphs": [GRAPH, ""]}, body)
    store = OxigraphStore(path)
    assert list(store.quads_nquads()) == [body.decode().strip()]
    assert leftovers(path) == []


def test_a_term_the_store_cannot_read_back_is_refused_before_anything_changes(tmp_path):
    store = _opened(tmp_path / "store")
    before = list(store.quads_nquads())
    huge = f'<urn:x-durability:s> <urn:x-durability:p> "{"x" * (MAX_TERM_BYTES + 1)}" <{GRAPH}> .'
    with pytest.raises(InputError, match="longer than 16 MiB"):
        store.apply_diff(before, [huge])
    assert list(store.quads_nquads()) == before
    assert leftovers(tmp_path / "store") == []


def test_an_over_long_literal_put_through_the_service_is_refused_and_changes_nothing(base, tmp_path):
    """RDF/XML reads a 17 MiB literal that N-Quads (the diff) cannot: the PUT used to empty the
    graph first and then fail with a 500."""
    path = tmp_path / "store"
    shutil.copytree(base, path)
    store = OxigraphStore(path)
    service = GraphService(store, Settings(store=str(path), project_dir=ROOT))
    anyio.run(service.put_graph, PUT_GRAPH, "".join(_triples("a", 100, blank=True)).encode(), "turtle")
    before = list(store.quads_nquads())
    literal = "x" * (MAX_TERM_BYTES + 2**20)
    body = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="urn:x-durability:">'
        f'<rdf:Description rdf:about="urn:x-durability:s"><x:p>{literal}</x:p></rdf:Description></rdf:RDF>'
    )
    with pytest.raises(InputError, match="16 MiB"):
        anyio.run(service.put_graph, PUT_GRAPH, body.encode(), "rdfxml")
    assert list(store.quads_nquads()) == before
    assert not (tmp_path / ".store.journal").exists()
    assert list((tmp_path / ".store.scratch").iterdir()) == []  # the scratch copy went at once


def test_scratch_copies_of_an_interrupted_write_go_when_the_store_opens(tmp_path):
    path = tmp_path / "store"
    _opened(path)  # closed at once: nothing holds it
    left = tmp_path / ".store.scratch" / "tmp123" / "scratch"
    left.mkdir(parents=True)
    (left / "000001.sst").write_bytes(b"x" * 1000)
    store = OxigraphStore(path)
    assert leftovers(path) == []
    assert store.scratch_dir() == tmp_path / ".store.scratch"
