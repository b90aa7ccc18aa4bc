"""Configuration, read once at start from the environment (prefix ``RSIKG_``) and command-line flags."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MEMORY = ":memory:"


def _holds_project(folder: Path) -> bool:
    return (folder / "ontology").is_dir() and (folder / "graph_data").is_dir()


def _default_project_dir() -> Path:
    """The folder holding ontology/, shapes/, graph_data/ and queries/.

    The checkout the package runs from when it has those folders (an editable install, the
    usual case); else the copy an installed distribution carries (``rsikg/data/``, which the
    build maps the checkout's folders into); else the current directory.
    """
    package = Path(__file__).resolve().parent
    for folder in (package.parent, package / "data"):
        if _holds_project(folder):
            return folder
    return Path.cwd()


class Settings(BaseSettings):
    """All of rsikg's configuration in one place."""

    model_config = SettingsConfigDict(env_prefix="RSIKG_", extra="ignore")

    store: str = Field(
        default=".rsikg/store",
        description="Directory of the on-disk store, or ':memory:' for a store in memory.",
    )
    project_dir: Path = Field(
        default_factory=_default_project_dir,
        description="Folder with ontology/, shapes/ and graph_data/.",
    )

    today: date | None = Field(
        default=None,
        description="The day rsikg takes as today (YYYY-MM-DD) where an answer is as of today by "
        "default; unset: the current date in Denmark. For reproducible runs, demonstrations and tests.",
    )

    # -- the SPARQL service ----------------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Address rsikg serve listens on.")
    port: int = Field(default=8000, description="Port rsikg serve listens on.")
    base_url: str = Field(
        default="",
        description="The URL clients reach the service at (behind a proxy: the proxy's), named in the "
        "SPARQL service description; default http://{host}:{port}.",
    )
    token_file: Path | None = Field(
        default=None, description="File holding the bearer token for writes; no file: writes are off."
    )
    cors_origins: list[str] = Field(
        default=["*"],
        description="Origins whose pages may read rsikg's answers (CORS), e.g. "
        '\'["https://dashboard.regionh.dk"]\' in RSIKG_CORS_ORIGINS; ["*"]: any. No credentials (cookies) '
        "either way: writes carry the bearer token in Authorization, which a page must hold itself.",
    )
    query_deadline: float = Field(default=30.0, gt=0, description="Seconds a query may run.")
    max_rows: int = Field(default=100_000, gt=0, description="Rows (or triples) in one answer at most.")
    max_body_bytes: int = Field(default=10 * 2**20, gt=0, description="Largest request body accepted.")
    query_workers: int = Field(default=2, gt=0, description="Query worker processes.")
    processes: int = Field(
        default=1,
        gt=0,
        le=64,
        description="Serving processes on the one address (rsikg serve): one owns the store and writes; "
        "the others answer anchored queries and kept answers themselves and pass the rest to it.",
    )
    check_process_focus: int = Field(
        default=200,
        ge=0,
        description="Focus nodes above which a write's validation runs in a process of its own "
        "(pySHACL holds the GIL; reads slowed by a third during a long one).",
    )
    answer_cache_mb: int = Field(
        default=64,
        ge=0,
        description="MiB of query answers kept for identical requests until the next write; 0: none kept.",
    )
    allowed_iris: list[str] = Field(
        default_factory=list,
        description="IRIs that SERVICE, LOAD and FROM may name although the store does not hold them.",
    )
    worker_memory_mb: int = Field(
        default=2048,
        ge=0,
        description="Address space one worker (a query, an update, a parse) may take, in MiB; 0: no cap. "
        "A worker reserves about 300 MiB before it reads anything (RocksDB, with two malloc arenas; "
        "measured on the project's graph), so at least 1024 leaves room for a query.",
    )
    max_queue: int = Field(
        default=64,
        ge=0,
        description="Queries that may wait for a worker; beyond, 503 with Retry-After.",
    )
    allow_unisolated: bool = Field(
        default=False,
        description="Serve writes, or on a non-loopback address, even where workers cannot be cut off "
        "from the network (neither a network namespace nor seccomp is available).",
    )

    # -- logging (applied by rsikg serve) ---------------------------------------------------
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="How rsikg serve writes its log: text for a person, json for one JSON object a line.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="The least severe level rsikg's loggers write."
    )

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value  # RSIKG_LOG_FORMAT=JSON

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value  # RSIKG_LOG_LEVEL=info

    @field_validator("worker_memory_mb")
    @classmethod
    def _check_worker_memory(cls, value: int) -> int:
        if 0 < value < 1024:
            raise ValueError(f"worker_memory_mb must be 0 (no cap) or at least 1024, not {value}")
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"base_url must be an http(s) URL without query or fragment, not {value!r}")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _default_base_url(self) -> Settings:
        if not self.base_url:
            host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
            self.base_url = f"http://{host}:{self.port}"
        return self

    def read_token(self) -> str | None:
        """The write token from token_file, or None when writes are off."""
        if self.token_file is None:
            return None
        token = self.token_file.read_text(encoding="utf-8").strip()
        if not token:
            raise ValueError(f"the token file {self.token_file} is empty")
        return token

    @property
    def in_memory(self) -> bool:
        return self.store == MEMORY

    @property
    def ontology_dir(self) -> Path:
        return self.project_dir / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.project_dir / "shapes"

    @property
    def data_dir(self) -> Path:
        return self.project_dir / "graph_data"
