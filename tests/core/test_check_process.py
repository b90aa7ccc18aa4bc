"""A long write check in a process of its own (api/core/check_process.py) gives the verdict the
server's own process gives, and a checking process that dies costs one check its place, not
the server its checks."""

from __future__ import annotations

import os
import signal

import pytest
from rsikg.core.check_process import CheckProcess
from rsikg.core.loading import load_project, shapes_files
from rsikg.core.store import OxigraphStore
from rsikg.core.validation import read_shapes
from rsikg.core.write_scope import check_write
from rsikg.settings import Settings

from tests.conftest import ROOT

# a region with neither label nor source: new Violations
BAD = (
    "INSERT DATA { GRAPH <urn:rsikg:test> { "
    "<https://w3id.org/rsikg/id/test/region-x> a <https://w3id.org/rsikg/ontology#Region> } }"
)


@pytest.fixture(scope="module")
def write(tmp_path_factory):
    """A store before and after a write, as checkpoints on disk, and the write's quads."""
    root = tmp_path_factory.mktemp("check-process")
    settings = Settings(store=str(root / "store"), project_dir=ROOT)
    store = OxigraphStore(root / "store")
    load_project(store, settings)
    store.checkpoint(root / "before")
    store.checkpoint(root / "after")
    del store
    after = OxigraphStore(root / "after")
    after.update(BAD)
    del after
    before, after = OxigraphStore.read_only(root / "before"), OxigraphStore.read_only(root / "after")
    old, new = set(before.quads_nquads()), set(after.quads_nquads())
    return settings, root, sorted(old - new), sorted(new - old), (before, after)


def _keys(found):
    return sorted(str((r.focus_node, r.source_shape, r.path, r.value)) for r in found.new)


def test_the_checking_process_gives_the_verdict_given_in_process(write):
    settings, root, removed, added, (before, after) = write
    here = check_write(before, after, removed, added, read_shapes(shapes_files(settings)), settings)
    checks = CheckProcess(settings)
    try:
        there = checks.check(root / "before", root / "after", removed, added)
    finally:
        checks.close()
    assert there is not None and checks.pid not in (None, os.getpid())
    assert here.new and _keys(there) == _keys(here)


def test_a_checking_process_that_died_gives_its_check_back_and_is_replaced(write):
    settings, root, removed, added, _stores = write
    checks = CheckProcess(settings)
    try:
        assert checks.check(root / "before", root / "after", removed, added) is not None
        first = checks.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert checks.check(root / "before", root / "after", removed, added) is None  # the caller checks
        again = checks.check(root / "before", root / "after", removed, added)
        assert again is not None and again.new and checks.pid != first
    finally:
        checks.close()
