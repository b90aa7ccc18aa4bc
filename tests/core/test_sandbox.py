"""The fork server (api/core/store/sandbox.py): each job in a child process of its own that
ends with it, the server itself untouched by a job's deadline or crash, a job with another
memory cap in a process started for it, and no server unless one is asked for."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from rsikg.core.formats import rdf_format
from rsikg.core.store import sandbox
from rsikg.core.store.base import Source
from rsikg.errors import QueryDeadlineError

DOC = b"<urn:a> <urn:b> <urn:c> .\n"


def _source(data: bytes = DOC) -> Source:
    return Source(name="doc.nt", graph="urn:g", format=rdf_format("ntriples"), path=None, data=data)


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.fixture
def forks():
    sandbox.start_fork_server(sandbox.DEFAULT_LIMITS)
    (pid,) = sandbox.fork_server_pids()
    yield pid
    sandbox.stop_fork_server()


def test_no_server_runs_unless_asked():
    sandbox.parse([_source()])
    assert sandbox.fork_server_pids() == []


def test_jobs_run_in_children_that_end_with_them(forks):
    for _ in range(3):
        (quads,) = sandbox.parse([_source()])
        assert [q.object.value for q in quads] == ["urn:c"]
    assert sandbox.fork_server_pids() == [forks] and _alive(forks)
    assert _children(forks) == set()  # each child reaped: no zombie, nothing left running


def test_a_job_past_its_deadline_is_killed_and_the_server_goes_on(forks):
    big = b"".join(b"<urn:s%d> <urn:p> <urn:o%d> .\n" % (i, i) for i in range(400_000))
    with pytest.raises(QueryDeadlineError):
        sandbox.parse([_source(big)], limits=sandbox.Limits(seconds=0.05))
    assert _alive(forks) and _children(forks) == set()
    (quads,) = sandbox.parse([_source()])
    assert len(quads) == 1


def test_a_job_with_another_memory_cap_runs_in_a_process_started_for_it(forks):
    other = sandbox.Limits(seconds=30.0, memory_mb=sandbox.DEFAULT_LIMITS.memory_mb + 512)
    (quads,) = sandbox.parse([_source()], limits=other)
    assert len(quads) == 1 and sandbox.fork_server_pids() == [forks]


def test_a_dead_server_is_replaced_and_the_job_still_runs(forks):
    os.kill(forks, signal.SIGKILL)
    (quads,) = sandbox.parse([_source()])
    assert len(quads) == 1
    (now,) = sandbox.fork_server_pids()
    assert now != forks and _alive(now)


def test_stopping_ends_the_server():
    sandbox.start_fork_server(sandbox.DEFAULT_LIMITS)
    (pid,) = sandbox.fork_server_pids()
    sandbox.stop_fork_server()
    assert not _alive(pid) and sandbox.fork_server_pids() == []
