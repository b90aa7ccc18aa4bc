"""The synthetic graph: deterministic, conforming, consistent, and deep."""

from __future__ import annotations

import hashlib

import pytest
from rsikg.core import reasoning
from rsikg.core.loading import load_files
from rsikg.core.store import open_store
from rsikg.core.synth import synthesise
from rsikg.core.validation import validate_store

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "synth.nt"
    return out, synthesise(300, out, seed=7, chain=1100)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, small):
    out, _ = small
    again, other = tmp_path / "again.nt", tmp_path / "other.nt"
    synthesise(300, again, seed=7, chain=1100)
    synthesise(300, other, seed=8, chain=1100)
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(again) == digest(out)
    assert digest(other) != digest(out)


def test_it_conforms_to_the_shapes_and_is_consistent(small, settings):
    out, stats = small
    assert stats.triples > 5000 and stats.decisions == 12
    store = open_store(None)
    background = [ROOT / "ontology" / "rsi.ttl", *sorted((ROOT / "ontology" / "vocab").glob("*.ttl"))]
    load_files(store, [*background, out], settings)
    report = validate_store(store, settings)
    assert report.results == [], report.to_text()
    data = store.to_rdflib()
    assert reasoning.check_consistency(data, locate=False).consistent


def test_a_chain_deeper_than_a_thousand_answers(tmp_path, settings):
    out = tmp_path / "deep.nt"
    stats = synthesise(1300, out, seed=1, chain=1250)
    assert stats.chain_depth == 1249
    store = open_store(None)
    load_files(store, [out], settings)
    end, start = "https://w3id.org/rsikg/id/synth/system/1249", "https://w3id.org/rsikg/id/synth/system/0"
    depends = "<https://w3id.org/rsikg/ontology#dependsOn>"
    assert store.query(f"ASK {{ <{end}> {depends}+ <{start}> }}") is True
    reachable = store.query(f"SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ <{end}> {depends}+ ?d }}")
    assert int(reachable.rows[0][0]) == 1249


def test_synth_command_writes_the_file(rsikg, tmp_path):
    out = tmp_path / "cli.nt"
    result = rsikg("synth", "--systems", "50", "--out", str(out), "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "50 systems" in result.stderr
    assert out.stat().st_size > 0
