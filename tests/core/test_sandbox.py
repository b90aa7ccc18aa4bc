"""The workers kept ahead for writes (api/core/store/sandbox.py): each used once and replaced,
fitted to the job's limits, stopped at a deadline like any other, and never kept unless asked."""

from __future__ import annotations

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
    assert sandbox.spare_pids() == []


def test_a_kept_worker_does_one_job_and_a_new_one_takes_its_place(spare):
    waiting = sandbox.spare_pids()
    assert len(waiting) == 2 and all(_alive(pid) for pid in waiting)
    (quads,) = sandbox.parse([_source()])
    assert [q.object.value for q in quads] == ["urn:c"]
    now = sandbox.spare_pids()
    assert now[0] == waiting[1] and now[1] not in waiting and _alive(now[1])
    assert not _alive(waiting[0])  # its one job done, it exited


def test_a_job_with_other_limits_gets_a_worker_started_with_them(spare):
    waiting = sandbox.spare_pids()
    other = sandbox.Limits(seconds=30.0, memory_mb=sandbox.DEFAULT_LIMITS.memory_mb + 512)
    sandbox.parse([_source()], limits=other)
    assert not any(_alive(pid) for pid in waiting)  # not used: stopped
    assert len(sandbox.spare_pids()) == 2 and not set(sandbox.spare_pids()) & set(waiting)


def test_a_kept_worker_is_stopped_at_the_deadline_and_replaced(spare):
    first = sandbox.spare_pids()[0]
    big = b"".join(b"<urn:s%d> <urn:p> <urn:o%d> .\n" % (i, i) for i in range(400_000))
    with pytest.raises(QueryDeadlineError):
        sandbox.parse([_source(big)], limits=sandbox.Limits(seconds=0.05))
    assert not _alive(first) and len(sandbox.spare_pids()) == 2
    (quads,) = sandbox.parse([_source()])
    assert len(quads) == 1


def test_stopping_ends_the_waiting_workers():
    sandbox.keep_spare(sandbox.DEFAULT_LIMITS)
    waiting = sandbox.spare_pids()
    sandbox.stop_spare()
    assert waiting and not any(_alive(pid) for pid in waiting) and sandbox.spare_pids() == []
    sandbox.parse([_source()])
    assert sandbox.spare_pids() == []
