"""Architecture decisions and comply-or-explain statements, by concern:

- :mod:`.madr` reads a MADR record (YAML front matter and Markdown sections) into plain values;
- :mod:`.records` maps a record to RDF (:class:`~.records.RecordKind`: a decision or a
  statement), and says where an adopted one lives;
- :mod:`.dry_run` checks a candidate against the shapes and the graph, nothing written, and
  :mod:`.impact` says whom it touches;
- :mod:`.adoption` commits a checked candidate with its provenance; :mod:`.catalogue` reads
  decisions and their history back; :mod:`.compliance` is the comply-or-explain matrix;
- :mod:`.vocabulary` holds the controlled words.

The names below are what the CLI and the web routes call, gathered here so that they reach them
through one import; new code imports the module that owns the name.
"""

from .adoption import adopt
from .catalogue import describe_record, history, list_decisions
from .compliance import compliance_matrix
from .records import record_graph, record_iri

__all__ = [
    "adopt",
    "compliance_matrix",
    "describe_record",
    "history",
    "list_decisions",
    "record_graph",
    "record_iri",
]
