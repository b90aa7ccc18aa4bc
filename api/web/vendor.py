"""The browser libraries the pages use (YASGUI, Cytoscape.js with its fCoSE layout), served by
rsikg from the npm packages that ``api/web/assets/package.json`` pins and ``make run`` / ``make
test`` install into the environment (``npm ci``, the lock file's integrity hashes checked). Only
the files named here are served, so nothing else in ``node_modules`` is reachable; and no page
asks a CDN.

Without them (``npm`` never ran), every page still works without its script: the map falls back to
its table, the editor to the query form. The pages say how to install them.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from .errors import HttpError

ASSETS = Path(__file__).resolve().parent / "assets"
"""The pinned manifest and lock file (package.json, package-lock.json)."""
MODULES = Path(sys.prefix) / "web-assets" / "node_modules"
"""Where ``make assets`` installs them: in the environment rsikg runs in, not in the package."""

FILES: dict[str, tuple[str, str]] = {
    "cytoscape.min.js": ("cytoscape", "dist/cytoscape.min.js"),
    "layout-base.js": ("layout-base", "layout-base.js"),
    "cose-base.js": ("cose-base", "cose-base.js"),
    "cytoscape-fcose.js": ("cytoscape-fcose", "cytoscape-fcose.js"),
    "yasgui.min.js": ("@zazuko/yasgui", "build/yasgui.min.js"),
    "yasgui.min.css": ("@zazuko/yasgui", "build/yasgui.min.css"),
}
"""Each served name: (its npm package, the file in that package)."""

MAP_SCRIPTS = ("cytoscape.min.js", "layout-base.js", "cose-base.js", "cytoscape-fcose.js")
EDITOR_FILES = ("yasgui.min.js", "yasgui.min.css")
MEDIA = {".js": "text/javascript", ".css": "text/css"}

router = APIRouter(include_in_schema=False)


def path_of(name: str) -> Path | None:
    """The file behind a served name, if it is one and is installed."""
    if name not in FILES:
        return None
    package, inside = FILES[name]
    found = MODULES / package / inside
    return found if found.is_file() else None


def installed(names: tuple[str, ...]) -> bool:
    return all(path_of(name) is not None for name in names)


@cache
def versions() -> dict[str, str]:
    """The installed version of each package served (for the pages' credits), read once."""
    found = {}
    for package in sorted({package for package, _ in FILES.values()}):
        manifest = MODULES / package / "package.json"
        if manifest.is_file():
            found[package] = str(json.loads(manifest.read_text(encoding="utf-8")).get("version", ""))
    return found


@router.get("/assets/{name}")
async def asset(name: str) -> FileResponse:
    """One of the pinned browser libraries. They change only with the lock file, so a browser may
    keep them for a day."""
    found = path_of(name)
    if found is None:
        if name in FILES:
            raise HttpError(404, f"{name} is not installed: run `make assets` (make run does) to install it")
        raise HttpError(404, f"no asset {name!r}; the assets are {', '.join(FILES)}")
    return FileResponse(
        found, media_type=MEDIA[found.suffix], headers={"Cache-Control": "public, max-age=86400"}
    )
