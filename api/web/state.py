"""What the running app holds: settings, the write token and the graph service."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.service import GraphService
from ..settings import Settings


@dataclass
class AppState:
    settings: Settings
    token: str | None = None
    process: str | None = None  # this serving process's number, with several (X-Rsikg-Process)
    service: GraphService | None = field(default=None)

    @property
    def graph(self) -> GraphService:
        if self.service is None:
            raise RuntimeError("the graph service is not started (the app's lifespan did not run)")
        return self.service
