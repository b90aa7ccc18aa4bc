"""Architecture decisions and comply-or-explain statements: reading records, dry-run checks
against the graph, and adoption with provenance."""
