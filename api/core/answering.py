"""Answering a SPARQL request, shared by every serving process.

:class:`Answering` is what ``/sparql`` needs of the core: the query checked and planned
(:meth:`~Answering.prepared`), then answered from the answer cache or in the process itself
when it is anchored (:meth:`~Answering.answer_now`), else by a query worker
(:meth:`~Answering.answer`). :class:`~rsikg.core.service.GraphService` is the one over the store
(the process that owns it); :class:`ReplicaService` the one in the other serving processes of
``rsikg serve --processes N``, over the owner's newest checkpoint, which passes what it cannot
answer to the owner (:class:`AnsweredElsewhere`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

from rdflib.term import Node

from ..errors import InputError, Location
from ..settings import Settings
from . import sparql_guard, sparql_plan
from .answer_cache import AnswerCache, is_kept
from .store.engine import INLINE_ROWS, InlineAnswers, QueryAnswer, QueryRequest
from .store.published import Reader

Inline = Callable[[QueryRequest], QueryAnswer | None]


class AnsweredElsewhere(Exception):
    """This process cannot answer the request: the process that owns the store must."""


class Answering:
    """The checks, the plan, the kept answers and the inline path of a SPARQL query."""

    settings: Settings
    answers: AnswerCache | None

    @property
    def base_iri(self) -> str:
        """What relative IRIs in a request resolve against: the endpoint's URL, from settings
        (never the Host header, which the client chooses)."""
        return f"{self.settings.base_url}/sparql"

    def check_query(
        self, query: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = ()
    ) -> sparql_guard.SparqlFeatures:
        """Refuse a query that would fetch a URL or names graphs the store lacks."""
        features = sparql_guard.inspect(query)
        if features.form == "UPDATE":
            raise InputError(
                "this is a SPARQL Update, not a query: POST it as application/sparql-update",
                Location("query"),
            )
        sparql_guard.check(features, allowed=self.settings.allowed_iris)
        sparql_guard.check_dataset({"default-graph-uri": default_graphs, "named-graph-uri": named_graphs})
        return features

    def prepared(
        self,
        query: str,
        *,
        results_format: str | None,
        graph_format: str | None,
        default_graphs: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        bindings: dict[str, Node] | None = None,
    ) -> QueryRequest:
        """A query checked (an InputError for one the service refuses) and planned."""
        features = self.check_query(query, default_graphs, named_graphs)
        plan, inline_plan = sparql_plan.row_cap_plans(features, self.settings.max_rows, INLINE_ROWS)
        return QueryRequest(
            query=query,
            results_format=results_format,
            graph_format=graph_format,
            default_graphs=list(default_graphs) or None,
            named_graphs=list(named_graphs) or None,
            bindings=bindings or {},
            plan=plan,
            own_dataset=features.has_dataset_clause,
            base_iri=self.base_iri,
            anchored=not default_graphs and not named_graphs and sparql_plan.anchored(features),
            inline_plan=inline_plan,
            kept=self.answers is not None and is_kept(query, features.tokens),
            names_graphs=any(kind == "word" and value.upper() == "GRAPH" for kind, value in features.tokens),
            predeclared=features.predeclared,
        )

    def _view(self) -> tuple[int, Inline]:
        """The generation this process answers at, and how it answers inline at it: read
        together, so that an answer is kept under the generation it was computed at."""
        raise NotImplementedError

    def answer_now(self, request: QueryRequest, if_none_match: str | None = None) -> QueryAnswer | None:
        """The answer without waiting: from the cache, or computed here for an anchored query
        (:class:`~rsikg.core.store.engine.InlineAnswers`); None when a worker must compute it
        (:meth:`answer`). Spares the request path a task and a wait."""
        generation, inline = self._view()
        at = At(generation, generation)
        found = self._from_cache(request, if_none_match, at)
        if found is not None:
            return found
        answer = inline(request)
        if answer is not None and request.kept:
            return self._kept(request, answer, at)
        return answer

    def _from_cache(self, request: QueryRequest, if_none_match: str | None, at: At) -> QueryAnswer | None:
        """The kept answer to ``request`` at ``at``, or an empty one marked unchanged when the
        client's copy (``if_none_match``) is its; None when there is none to give."""
        if not request.kept:
            return None
        cache, key = cast(AnswerCache, self.answers), request.key()
        tag = cache.etag(key, at.generation, at.epoch)
        if if_none_match is not None and _matches(if_none_match, tag):
            fmt = request.results_format or request.graph_format or ""
            return QueryAnswer(b"", fmt, False, None, tag, cached=True, unchanged=True)
        kept = cache.get(key, at.state)
        return None if kept is None else replace(kept, tag=tag, cached=True)

    async def answer(self, request: QueryRequest, if_none_match: str | None = None) -> QueryAnswer:
        """The answer a worker computes (after :meth:`answer_now` gave none), kept in the cache."""
        raise NotImplementedError

    def _kept(self, request: QueryRequest, answer: QueryAnswer, at: At) -> QueryAnswer:
        """``answer``, computed at ``at``, with its entity tag, and kept."""
        cache, key = cast(AnswerCache, self.answers), request.key()
        answer = replace(answer, tag=cache.etag(key, at.generation, at.epoch))
        cache.put(key, at.state, answer)
        return answer


@dataclass(frozen=True)
class At:
    """The state of the store an answer is computed at: what the answer cache compares
    (``state``), and what the entity tag says (``generation``, and ``epoch``: None for the
    cache's own, this process's or its owner's; a remote store's last writer)."""

    state: Hashable
    generation: int
    epoch: str | None = None


class ReplicaService(Answering):
    """The SPARQL answering of a serving process that does not own the store: anchored queries
    and kept answers on the owner's newest checkpoint (read from ``publication``); anything
    else raises :class:`AnsweredElsewhere`, for the web layer to pass the request on."""

    def __init__(self, settings: Settings, publication: Path) -> None:
        self.settings = settings
        self.published = Reader(publication)
        self.answers = AnswerCache(settings.answer_cache_mb * 2**20) if settings.answer_cache_mb else None
        self._inline = InlineAnswers(settings.max_rows)

    def _view(self) -> tuple[int, Inline]:
        current = self.published.current()
        if current is None:  # the owner is still starting
            raise AnsweredElsewhere
        if self.answers is not None:
            self.answers.epoch = current.epoch  # the owner's: the same tag from every process
        checkpoint = current.checkpoint
        return current.generation, lambda request: self._inline.answer(request, checkpoint)

    def answer_now(self, request: QueryRequest, if_none_match: str | None = None) -> QueryAnswer:
        answer = super().answer_now(request, if_none_match)
        if answer is None:
            raise AnsweredElsewhere
        return answer

    async def answer(self, request: QueryRequest, if_none_match: str | None = None) -> QueryAnswer:
        raise AnsweredElsewhere

    def close(self) -> None:
        self.published.close()


def _matches(if_none_match: str, tag: str) -> bool:
    """Whether an If-None-Match header names ``tag``, by the weak comparison RFC 9110 (13.1.2)
    has for it: ``*``, or one of its comma-separated tags with or without ``W/``."""
    opaque = tag.removeprefix("W/")
    held = [part.strip() for part in if_none_match.split(",")]
    return "*" in held or any(part.removeprefix("W/") == opaque for part in held)


__all__ = ["AnsweredElsewhere", "Answering", "At", "ReplicaService"]
