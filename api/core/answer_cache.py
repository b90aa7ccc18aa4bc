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
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Hashable

from .sparql_lexer import Token
from .store.engine import QueryAnswer

UNSTABLE = {"NOW", "RAND", "UUID", "STRUUID", "BNODE"}
"""SPARQL functions whose value differs between two evaluations over the same data."""


MAX_QUERY_CHARS = 64 * 1024
"""The longest query whose answer is kept: dashboards send short ones, and a key holds its
query's text (a hostile query of megabytes would be hashed and kept for nothing)."""

_MAYBE_UNSTABLE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def is_stable(query: str, found: list[Token]) -> bool:
    """Whether two runs of ``query`` (lexed: ``found``) over the same data give the same answer
    (the same rows or triples): it calls none of :data:`UNSTABLE`. A scan of the text first,
    then the tokens only where it found a name (in a string or a comment it is no call)."""
    if not _MAYBE_UNSTABLE.search(query):
        return True
    return not any(
        kind == "word" and value.upper() in UNSTABLE and i + 1 < len(found) and found[i + 1][1] == "("
        for i, (kind, value) in enumerate(found)
    )


def is_kept(query: str, found: list[Token]) -> bool:
    """Whether the answer to ``query`` may be kept: short enough, and stable."""
    return len(query) <= MAX_QUERY_CHARS and is_stable(query, found)


def _size(key: Hashable, answer: QueryAnswer) -> int:
    """What an entry holds: its answer's body and its key's text (the query, mostly)."""
    texts = key if isinstance(key, tuple) else (key,)
    return len(answer.body) + sum(len(part) for part in texts if isinstance(part, str))


class AnswerCache:
    """Answers by request key, for the store's current state only, at most ``limit_bytes`` of
    bodies and query texts in all (least recently used out first); an entry over a quarter of
    it is not kept. A state is the embedded store's generation, or a remote store's generation
    and writer (a remote store emptied and written again counts from 0 once more): any other
    state than the one the cache holds answers for empties it."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit = limit_bytes
        self.epoch = uuid.uuid4().hex[:12]
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, QueryAnswer] = OrderedDict()
        self._bytes = 0
        self._state: Hashable = None
        self.hits = self.misses = 0

    def etag(self, key: Hashable, generation: int, epoch: str | None = None) -> str:
        """The tag of the answer to ``key`` at ``generation``; ``epoch``: what tells this
        store's generations from another's with the same number (this process's, by default)."""
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        return f'W/"{epoch or self.epoch}-{generation}-{digest}"'

    def get(self, key: Hashable, state: Hashable) -> QueryAnswer | None:
        with self._lock:
            if state != self._state:  # the store moved on (or back): nothing kept holds
                self._answers.clear()
                self._bytes = 0
                self._state = state
            answer = self._answers.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: tuple[object, ...], state: Hashable, answer: QueryAnswer) -> None:
        """Keep ``answer``, computed at ``state``, if the cache is still at that state (its
        :meth:`get` moved it there); else a write came between: the answer may be stale."""
        size = _size(key, answer)
        if size * 4 > self.limit:
            return
        with self._lock:
            if state != self._state or key in self._answers:
                return
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.limit:
                old_key, old = self._answers.popitem(last=False)
                self._bytes -= _size(old_key, old)

    def __len__(self) -> int:
        return len(self._answers)


__all__ = ["MAX_QUERY_CHARS", "UNSTABLE", "AnswerCache", "is_kept", "is_stable"]
