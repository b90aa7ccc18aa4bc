"""``rsikg changes``: the reform briefing, run as a real subprocess against a loaded store."""

from __future__ import annotations

import csv
import io
import json

REGION = "https://w3id.org/rsikg/id/region/"


def test_changes_of_the_reform_in_every_format_and_bad_dates(rsikg):
    assert rsikg("load").returncode == 0
    text = rsikg("changes", "--from", "2026-12-31", "--to", "2027-01-01")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("Changes after 2026-12-31 up to and including 2027-01-01")
    assert "Region Østdanmark: exists from 2027-01-01" in text.stdout
    assert "passes to Region Østdanmark (Overgangsloven § 126) [derived]" in text.stdout

    answer = json.loads(rsikg("changes", "--from", "2026-12-31", "--to", "2027-01-01", "-f", "json").stdout)
    dissolved = {c["subject"] for c in answer["changes"] if c["kind"] == "dissolved"}
    assert {f"{REGION}region-hovedstaden", f"{REGION}region-sjaelland"} <= dissolved
    assert sum(1 for c in answer["changes"] if c["kind"] == "membership-started" and c["derived"]) == 4

    rows = list(
        csv.DictReader(
            io.StringIO(rsikg("changes", "--from", "2026-12-31", "--to", "2027-01-01", "-f", "csv").stdout)
        )
    )
    assert len(rows) == len(answer["changes"])

    markdown = rsikg("changes", "--from", "2026-12-31", "--to", "2027-01-01", "-f", "markdown").stdout
    assert "## Systems whose users, operators or managers pass on" in markdown

    bad = rsikg("changes", "--from", "2026-13-01", "--to", "2027-01-01")
    assert bad.returncode == 2 and "--from must be a date (YYYY-MM-DD)" in bad.stderr
    backwards = rsikg("changes", "--from", "2027-01-01", "--to", "2026-12-31")
    assert backwards.returncode == 2 and "--to (2026-12-31) is before --from (2027-01-01)" in backwards.stderr
