"""The record through which the owning process publishes its newest checkpoint to the other
serving processes (api/core/store/published.py): real files, mapped as the processes map them."""

from __future__ import annotations

import mmap
import multiprocessing
import struct
from pathlib import Path

from rsikg.core.store import published
from rsikg.core.store.published import HEADER, Publication, Publisher, Reader


def test_nothing_is_published_until_the_owner_publishes(tmp_path: Path) -> None:
    record = tmp_path / "published"
    assert Reader(record).current() is None  # not made yet: the owner is starting
    published.create(record)
    reader = Reader(record)
    assert reader.current() is None
    Publisher(record, "epoch1").publish(3, "/stores/.s.checkpoints/generation-1")
    assert reader.current() == Publication("/stores/.s.checkpoints/generation-1", 3, "epoch1")


def test_a_reader_sees_every_publication_in_turn(tmp_path: Path) -> None:
    record = tmp_path / "published"
    published.create(record)
    owner, reader = Publisher(record, "e"), Reader(record)
    for generation in range(1, 50):
        owner.publish(generation, f"/c/generation-{generation}")
        assert reader.current() == Publication(f"/c/generation-{generation}", generation, "e")
    assert reader.current() is reader.current()  # unchanged header: the parsed publication, kept


def test_a_record_caught_half_written_is_read_again_not_believed(tmp_path: Path) -> None:
    """A header of the new record over the old one's body fails the CRC; the reader keeps what
    it read last rather than a mix of the two."""
    record = tmp_path / "published"
    published.create(record)
    owner, reader = Publisher(record, "e"), Reader(record)
    owner.publish(1, "/c/generation-1")
    assert reader.current() == Publication("/c/generation-1", 1, "e")
    with open(record, "r+b") as file, mmap.mmap(file.fileno(), published.PAGE) as page:
        sequence, length, crc = HEADER.unpack_from(page)
        page[: HEADER.size] = HEADER.pack(sequence + 1, length, crc ^ 1)  # a torn write
    assert reader.current() == Publication("/c/generation-1", 1, "e")
    owner._sequence = sequence + 1  # the owner finishes its write
    owner.publish(2, "/c/generation-2")
    assert reader.current() == Publication("/c/generation-2", 2, "e")


def _read_in_another_process(record: str, queue: multiprocessing.Queue) -> None:
    reader = Reader(Path(record))
    seen = reader.current()
    queue.put(None if seen is None else (seen.generation, seen.checkpoint))


def test_another_process_reads_what_the_owner_published(tmp_path: Path) -> None:
    record = tmp_path / "published"
    published.create(record)
    Publisher(record, "e").publish(7, "/c/generation-7")
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_read_in_another_process, args=(str(record), queue)
    )
    process.start()
    process.join(60)
    assert queue.get(timeout=5) == (7, "/c/generation-7")


def test_a_publication_too_large_for_the_record_is_refused(tmp_path: Path) -> None:
    record = tmp_path / "published"
    published.create(record)
    owner = Publisher(record, "e")
    try:
        owner.publish(1, "/" + "x" * published.PAGE)
    except ValueError as error:
        assert "does not fit" in str(error)
    else:
        raise AssertionError("a record larger than its page was written")
    assert struct.unpack_from("<Q", record.read_bytes())[0] == 0  # nothing was written
