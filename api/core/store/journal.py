"""A redo journal, for the writes Oxigraph cannot make in one transaction.

pyoxigraph offers no transaction spanning several calls: ``Store.update`` and ``Store.extend``
are each one transaction, ``bulk_extend`` is none at all, and a blank node cannot be named in
a SPARQL update. A write that needs several calls first states its intent here: a header (a
JSON object on the first line) and a body (N-Quads), written to ``.<store>.journal.tmp``
beside the store, fsynced, and renamed to ``.<store>.journal``; the rename is the commit. Then
the write is applied, the store flushed, and the journal deleted.

Applying an entry is idempotent (removing an absent quad, adding a present one, dropping a
graph and filling it again are no-ops the second time), so when the store is opened after a
crash a committed entry is simply applied again, and an uncommitted one (``.tmp``) deleted:
the write happened entirely or not at all. Writes are serialised (one process holds the
store's lock, and the store takes a lock per write), so there is never more than one entry.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ...errors import StoreUnavailableError

Entry = tuple[dict[str, object], bytes]


def _fsync_dir(path: Path) -> None:
    """Make a rename or an unlink in ``path`` durable (POSIX: fsync the directory)."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The journal of the store at ``store_dir`` (a file beside it, not in it: the store's
    folder belongs to RocksDB)."""

    def __init__(self, store_dir: Path) -> None:
        self.path = store_dir.parent / f".{store_dir.name}.journal"
        self._unfinished = self.path.with_name(self.path.name + ".tmp")

    def commit(self, header: dict[str, object], body: bytes) -> None:
        """Write an entry and make it durable; once this returns, the write will happen."""
        with open(self._unfinished, "wb") as f:
            f.write(json.dumps(header).encode() + b"\n")
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(self._unfinished, self.path)
        _fsync_dir(self.path.parent)

    def done(self) -> None:
        """The entry is applied and flushed: forget it (durably, or a later open would apply
        it again over newer writes)."""
        self.path.unlink(missing_ok=True)
        _fsync_dir(self.path.parent)

    def pending(self) -> Entry | None:
        """The committed entry a crash left, if any; an uncommitted one is deleted."""
        self._unfinished.unlink(missing_ok=True)
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return None
        header_line, _, body = data.partition(b"\n")
        try:
            header = json.loads(header_line)
        except ValueError as err:  # cannot happen short of a disk fault: the rename commits
            raise StoreUnavailableError(
                f"the store's journal {self.path} is unreadable ({err}); an interrupted write "
                "cannot be completed: move the file away to open the store without it"
            ) from err
        if not isinstance(header, dict):
            raise StoreUnavailableError(f"the store's journal {self.path} has no header")
        return header, body
