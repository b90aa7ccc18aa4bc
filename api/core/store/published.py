"""The newest checkpoint, as the process that owns the store published it to the others.

``rsikg serve --processes N`` runs one process that owns the store (it writes, and its workers
answer the queries that need a deadline) and N - 1 that answer anchored queries themselves on
the owner's newest checkpoint and pass everything else to it. The owner writes a record here
after every write and before the write's response is sent, so a read through any process that
begins after a write returned reads the record the write left, and with it the write.

The record is a page of a file that every process maps: a sequence number, the length and a
CRC-32 of a JSON object (the checkpoint's path, the service's generation, the answer cache's
epoch, so that entity tags are the same whichever process gives them). A reader compares the
16-byte header with the last it read (about a microsecond) and parses the rest only when it
changed; a record caught half-written fails its CRC and is read again.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

HEADER = struct.Struct("<QII")  # sequence, length of the JSON, CRC-32 of the JSON
PAGE = 4096


@dataclass(frozen=True)
class Publication:
    """What the owner published: where its newest checkpoint is, and the generation it holds."""

    checkpoint: str
    generation: int
    epoch: str


def create(path: Path) -> None:
    """An empty record (nothing published yet), made before any reader starts."""
    with open(path, "wb") as file:
        file.write(bytes(PAGE))


class Publisher:
    """The owner's side: writes the record in place. ``epoch``: its answer cache's."""

    def __init__(self, path: Path, epoch: str) -> None:
        self.path = path
        self.epoch = epoch
        self._file = open(path, "r+b")  # noqa: SIM115 - mapped for the process's life
        self._map = mmap.mmap(self._file.fileno(), PAGE)
        self._sequence = HEADER.unpack_from(self._map)[0]

    def publish(self, generation: int, checkpoint: str) -> None:
        body = json.dumps(Publication(checkpoint, generation, self.epoch).__dict__).encode()
        if HEADER.size + len(body) > PAGE:
            raise ValueError(f"a publication of {len(body)} bytes does not fit in the record")
        self._sequence += 1
        record = HEADER.pack(self._sequence, len(body), zlib.crc32(body)) + body
        self._map[: len(record)] = record

    def close(self) -> None:
        self._map.close()
        self._file.close()


class Reader:
    """Another process's side: the publication, read again only when its header changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._header = bytes(HEADER.size)
        self._current: Publication | None = None

    def current(self) -> Publication | None:
        """The newest publication, or None while there is none (the owner is still starting)."""
        if self._map is None:
            if not self.path.exists():
                return None
            with open(self.path, "rb") as file:
                self._map = mmap.mmap(file.fileno(), PAGE, access=mmap.ACCESS_READ)
        header = self._map[: HEADER.size]
        if header == self._header:
            return self._current
        for _ in range(100):  # a record being written: read it again
            header = self._map[: HEADER.size]
            _, length, crc = HEADER.unpack(header)
            body = self._map[HEADER.size : HEADER.size + length]
            if length and zlib.crc32(body) == crc:
                self._current = Publication(**json.loads(body))
                self._header = header
                return self._current
            if not length:
                return None
            os.sched_yield()
        return self._current  # still torn: the write is under way, and the old state is as true

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
