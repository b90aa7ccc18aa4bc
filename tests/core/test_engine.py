"""The query engine's pool of workers keeps its size: a worker that could not be started in place
of one that was stopped is started again, not given up on (a pool one worker short would make
every later query wait for a worker that never comes)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from rsikg.core.store.engine import QueryEngine, QueryRequest
from rsikg.core.store.oxigraph import OxigraphStore
from rsikg.errors import QueryDeadlineError

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _request(query: str) -> QueryRequest:
    return QueryRequest(query=query, results_format="json", graph_format=None)


def test_a_worker_that_fails_to_start_is_started_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = OxigraphStore(tmp_path / "store")
    store.update(
        "INSERT DATA { GRAPH <urn:x:g> { "
        + " ".join(f"<urn:x:s{i}> <urn:x:p> <urn:x:o{i}> ." for i in range(300))
        + " } }"
    )

    async def scenario() -> None:
        engine = QueryEngine(store, workers=1, deadline=1.0, memory_mb=0)
        await engine.start()
        real, limits, starts = engine._spawn, engine.limits, []

        async def first_start_starved():  # type: ignore[no-untyped-def]
            starts.append(len(starts))
            if len(starts) > 1:
                return await real()
            engine.limits = replace(limits, memory_mb=8)  # too little to import anything: it dies
            try:
                return await real()
            finally:
                engine.limits = limits

        engine._spawn = first_start_starved  # type: ignore[method-assign]
        try:
            with pytest.raises(QueryDeadlineError):  # the worker is killed at the deadline
                await engine.run(_request(ENDLESS))
            answer = await asyncio.wait_for(engine.run(_request("ASK { ?s ?p ?o }")), timeout=20)
            assert b"true" in answer.body
            assert len(starts) == 2
        finally:
            await engine.close()

    with caplog.at_level(logging.WARNING, logger="rsikg.engine"):
        asyncio.run(scenario())
    assert any(getattr(r, "event", None) == "worker.start_failed" for r in caplog.records)
