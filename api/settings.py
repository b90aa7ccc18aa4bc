"""Configuration, read once at start from the environment (prefix ``RSIKG_``) and command-line flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MEMORY = ":memory:"


def _default_project_dir() -> Path:
    """The folder holding ontology/, shapes/ and graph_data/.

    The checkout the package runs from when it has those folders (an editable install, the
    usual case), else the current directory.
    """
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "ontology").is_dir() and (checkout / "graph_data").is_dir():
        return checkout
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
