"""The worker kept ahead for writes (api/core/store/sandbox.py): used once, replaced, fitted to
the job's limits, stopped at a deadline like any other, and never kept unless asked for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from api.core.formats import rdf_format
from api.core.store import sandbox
from api.core.store.base import Source
from api.errors import QueryDeadlineError

DOC = b"<urn:a> <urn:b> <urn:c> .\n"


def _source(data: bytes = DOC) -> Source:
    return Source(name="doc.nt", graph="urn:g", format=rdf_format("ntriples"), path=None, data=data)


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def spare():
    sandbox.keep_spare(sandbox.DEFAULT_LIMITS)
    yield
    sandbox.stop_spare()


def test_no_worker_is_kept_unless_asked():
    sandbox.parse([_source()])
    assert sandbox.spare_pid() is None


def test_the_kept_worker_does_one_job_and_a_new_one_waits(spare):
    first = sandbox.spare_pid()
    assert first is not None and _alive(first)
    (quads,) = sandbox.parse([_source()])
    assert [q.object.value for q in quads] == ["urn:c"]
    second = sandbox.spare_pid()
    assert second is not None and second != first and _alive(second)
    assert not _alive(first)  # its one job done, it exited


def test_a_job_with_other_limits_gets_a_worker_started_with_them(spare):
    first = sandbox.spare_pid()
    other = sandbox.Limits(seconds=30.0, memory_mb=sandbox.DEFAULT_LIMITS.memory_mb + 512)
    sandbox.parse([_source()], limits=other)
    assert first is not None and not _alive(first)  # not used: stopped
    assert sandbox.spare_pid() not in (None, first)


def test_the_kept_worker_is_stopped_at_the_deadline_and_replaced(spare):
    first = sandbox.spare_pid()
    big = b"".join(b"<urn:s%d> <urn:p> <urn:o%d> .\n" % (i, i) for i in range(400_000))
    with pytest.raises(QueryDeadlineError):
        sandbox.parse([_source(big)], limits=sandbox.Limits(seconds=0.05))
    assert first is not None and not _alive(first)
    assert sandbox.spare_pid() is not None
    (quads,) = sandbox.parse([_source()])
    assert len(quads) == 1


def test_stopping_ends_the_waiting_worker():
    sandbox.keep_spare(sandbox.DEFAULT_LIMITS)
    pid = sandbox.spare_pid()
    sandbox.stop_spare()
    assert pid is not None and not _alive(pid) and sandbox.spare_pid() is None
    sandbox.parse([_source()])
    assert sandbox.spare_pid() is None, os.getpid()
