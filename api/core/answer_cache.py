"""Answers kept for the next identical request, exact by construction.

Dashboards and tools send the same queries again and again; Oxigraph's server evaluates each
one. rsikg keeps an answer under the request as the engine ran it (the query text, the dataset,
the formats, the bindings, the base IRI) and the store's generation: any committed write moves
the generation on and empties the cache, so a kept answer is never one the store would no
longer give. A query whose answer may differ between two runs over the same data (``NOW()``,
``RAND()``, ``UUID()``, ``STRUUID()``, ``BNODE()``) is not kept.

The same key gives the answer's entity tag, ``W/"<epoch>-<generation>-<digest>"``, where the epoch
is this process's own (a restart may follow a load made while the server was down): a client
that sends it back in ``If-None-Match`` gets a 304 without the query being run. Weak, since two
runs may name a CONSTRUCT's blank nodes differently.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Hashable

from api.core.sparql_lexer import tokens
from api.core.store.engine import QueryAnswer

UNSTABLE = {"NOW", "RAND", "UUID", "STRUUID", "BNODE"}
"""SPARQL functions whose value differs between two evaluations over the same data."""


def is_stable(query: str) -> bool:
    """Whether two runs of ``query`` over the same data give the same answer (the same rows
    or triples): it calls none of :data:`UNSTABLE`."""
    found = tokens(query)
    return not any(
        kind == "word" and value.upper() in UNSTABLE and i + 1 < len(found) and found[i + 1][1] == "("
        for i, (kind, value) in enumerate(found)
    )


class AnswerCache:
    """Answers by request key, for the current generation only, at most ``limit_bytes`` of
    bodies in all (least recently used out first); an answer over a quarter of it is not kept."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit = limit_bytes
        self.epoch = uuid.uuid4().hex[:12]
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, QueryAnswer] = OrderedDict()
        self._bytes = 0
        self._generation = -1
        self.hits = self.misses = 0

    def etag(self, key: Hashable, generation: int) -> str:
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        return f'W/"{self.epoch}-{generation}-{digest}"'

    def get(self, key: Hashable, generation: int) -> QueryAnswer | None:
        with self._lock:
            self._moved_to(generation)
            answer = self._answers.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: Hashable, generation: int, answer: QueryAnswer) -> None:
        size = len(answer.body)
        if size * 4 > self.limit:
            return
        with self._lock:
            self._moved_to(generation)
            if generation != self._generation or key in self._answers:
                return  # a write came between the run and now: the answer may be stale
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.limit:
                _key, old = self._answers.popitem(last=False)
                self._bytes -= len(old.body)

    def _moved_to(self, generation: int) -> None:
        """Empty the cache when the store has moved on (under the lock)."""
        if generation > self._generation:
            self._answers.clear()
            self._bytes = 0
            self._generation = generation

    def __len__(self) -> int:
        return len(self._answers)


__all__ = ["UNSTABLE", "AnswerCache", "is_stable"]
