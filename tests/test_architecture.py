"""The import boundaries the architecture states, checked on the source (ast), not by convention:

1. ``api/core`` imports nothing of the web: not ``rsikg.web``, FastAPI, Starlette or uvicorn.
2. Only ``api/core/store/`` imports pyoxigraph: everything else sees rdflib terms and bytes
   through :class:`~rsikg.core.store.base.GraphStore`, so another store can take Oxigraph's place.
3. ``api/web`` and ``api/cli.py`` reach ``rsikg.core`` only through ``rsikg.core.service`` (issue
   11, step 2), so a command and a route that do the same thing do it the same way.

Every import counts: at module level or inside a function, under ``TYPE_CHECKING`` or not,
relative or absolute, and ``importlib.import_module("...")`` / ``__import__("...")`` with a
literal name. Each rule is shown to fail on a small source that breaks it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.source_imports import by_path, imported_from

ROOT = Path(__file__).resolve().parents[1]

WEB = ("api.web", "fastapi", "starlette", "uvicorn")
"""What ``api/core`` may not import (rule 1)."""
STORE_ONLY = ("pyoxigraph",)
"""What only ``api/core/store/`` may import (rule 2)."""
WEB_MAY_IMPORT_FROM_CORE = {
    "api.core.service": "GraphService: the one way the web layer calls the domain",
    "api.core.formats": "the format registry: names and media types for content negotiation, data only",
}
"""The parts of ``rsikg.core`` that ``api/web`` may import (rule 3), and why."""
CLI_MAY_IMPORT_FROM_CORE = {
    **WEB_MAY_IMPORT_FROM_CORE,
    "api.core.synth": "the benchmark graph generator: writes a file, reads and writes no store",
}
"""The parts of ``rsikg.core`` that ``api/cli.py`` may import (rule 3), and why."""


# --------------------------------------------------------------------------------------------
# Reading imports
# --------------------------------------------------------------------------------------------


def _is_local_module(name: str) -> bool:
    path = ROOT / name.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _dynamic(node: ast.Call) -> str | None:
    """The literal module name of ``importlib.import_module("x")`` or ``__import__("x")``."""
    name = ast.unparse(node.func)
    if name in ("importlib.import_module", "import_module", "__import__") and node.args:
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def imports(source: str, relative: str) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in ``source``, the file at ``relative``, once
    each. From ``from package import name``, the module ``package.name`` when it is one of the
    project's modules, else ``package``."""
    return list(dict.fromkeys(_imports(source, relative)))


def _imports(source: str, relative: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, by_path(alias.name)) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = imported_from(node, relative)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield node.lineno, candidate if _is_local_module(candidate) else base
        elif isinstance(node, ast.Call) and (name := _dynamic(node)) is not None:
            yield node.lineno, by_path(name)


def _within(module: str, prefixes: tuple[str, ...] | list[str]) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in prefixes)


# --------------------------------------------------------------------------------------------
# The rules: each takes a file's source and path, and returns 'path:line: problem' lines
# --------------------------------------------------------------------------------------------


def core_imports_no_web(source: str, relative: str) -> list[str]:
    if not relative.startswith("api/core/"):
        return []
    return [
        f"{relative}:{line}: imports {module} (api/core must not know the web)"
        for line, module in imports(source, relative)
        if _within(module, WEB)
    ]


def only_the_store_imports_pyoxigraph(source: str, relative: str) -> list[str]:
    if not relative.startswith("api/") or relative.startswith("api/core/store/"):
        return []
    return [
        f"{relative}:{line}: imports {module} (only api/core/store/ may)"
        for line, module in imports(source, relative)
        if _within(module, STORE_ONLY)
    ]


def web_calls_core_only_through_the_service(source: str, relative: str) -> list[str]:
    if relative.startswith("api/web/"):
        allowed, who = WEB_MAY_IMPORT_FROM_CORE, "the web"
    elif relative == "api/cli.py":
        allowed, who = CLI_MAY_IMPORT_FROM_CORE, "the CLI"
    else:
        return []
    return [
        f"{relative}:{line}: imports {module} ({who} reaches api.core through api.core.service)"
        for line, module in imports(source, relative)
        if _within(module, ["api.core"]) and not _within(module, list(allowed))
    ]


def _problems(rule) -> list[str]:
    found = []
    for path in sorted((ROOT / "api").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        found += rule(path.read_text(encoding="utf-8"), relative)
    return found


# --------------------------------------------------------------------------------------------
# The project keeps them
# --------------------------------------------------------------------------------------------


def test_api_core_imports_nothing_of_the_web():
    assert _problems(core_imports_no_web) == []


def test_nothing_outside_api_core_store_imports_pyoxigraph():
    assert _problems(only_the_store_imports_pyoxigraph) == []


def test_api_web_and_the_cli_reach_api_core_only_through_the_service():
    assert _problems(web_calls_core_only_through_the_service) == []


def test_the_checks_read_every_module_of_api():
    """A check that reads no file passes for nothing."""
    files = list((ROOT / "api").rglob("*.py"))
    assert len(files) > 40
    assert any(m == "pyoxigraph" for _, m in imports((ROOT / "api/core/store/oxigraph.py").read_text(), "x"))


# --------------------------------------------------------------------------------------------
# The checks can fail
# --------------------------------------------------------------------------------------------

PYOXIGRAPH_IMPORTS = [
    "import pyoxigraph\n",
    "import pyoxigraph as ox\n",
    "from pyoxigraph import Store\n",
    "def f():\n    import pyoxigraph as ox\n    return ox\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pyoxigraph\n",
    "import importlib\nox = importlib.import_module('pyoxigraph')\n",
    "ox = __import__('pyoxigraph')\n",
]


@pytest.mark.parametrize("source", PYOXIGRAPH_IMPORTS, ids=range(len(PYOXIGRAPH_IMPORTS)))
@pytest.mark.parametrize("relative", ["api/core/service.py", "api/web/sparql.py", "api/cli.py"])
def test_a_pyoxigraph_import_outside_the_store_is_found(source, relative):
    problems = only_the_store_imports_pyoxigraph(source, relative)
    line = source.count("\n", 0, source.index("pyoxigraph")) + 1
    assert problems == [f"{relative}:{line}: imports pyoxigraph (only api/core/store/ may)"]


@pytest.mark.parametrize("source", PYOXIGRAPH_IMPORTS[:3], ids=range(3))
def test_the_store_may_import_pyoxigraph(source):
    assert only_the_store_imports_pyoxigraph(source, "api/core/store/terms.py") == []


def test_a_module_named_like_pyoxigraph_is_not_pyoxigraph():
    assert only_the_store_imports_pyoxigraph("import pyoxigraph_helpers\n", "api/core/x.py") == []


WEB_IMPORTS = [
    ("from api.web.errors import HttpError\n", "api.web.errors"),
    ("import fastapi\n", "fastapi"),
    ("from starlette.responses import Response\n", "starlette.responses"),
    ("import uvicorn\n", "uvicorn"),
    ("from api.web import conneg\n", "api.web.conneg"),
    ("from ...web import state\n", "api.web.state"),  # relative, from api/core/store/
    ("from rsikg.web.errors import HttpError\n", "api.web.errors"),  # the installed name
]


@pytest.mark.parametrize(("source", "module"), WEB_IMPORTS, ids=[m for _, m in WEB_IMPORTS])
def test_a_web_import_in_api_core_is_found(source, module):
    problems = core_imports_no_web(source, "api/core/store/engine.py")
    assert problems == [f"api/core/store/engine.py:1: imports {module} (api/core must not know the web)"]


def test_the_web_may_import_the_web():
    assert core_imports_no_web("from api.web.errors import HttpError\n", "api/web/sparql.py") == []


CORE_IMPORTS = [
    ("from api.core.store import open_store\n", "api.core.store"),
    ("from api.core import periods\n", "api.core.periods"),
    ("import api.core.dependencies\n", "api.core.dependencies"),
    ("from ..core.sparql_terms import checked_iri\n", "api.core.sparql_terms"),  # relative
    ("import rsikg.core.periods\n", "api.core.periods"),  # the installed name
]


@pytest.mark.parametrize(("source", "module"), CORE_IMPORTS, ids=[m for _, m in CORE_IMPORTS])
def test_a_core_import_beside_the_service_in_api_web_is_found(source, module):
    problems = web_calls_core_only_through_the_service(source, "api/web/app.py")
    assert problems == [
        f"api/web/app.py:1: imports {module} (the web reaches api.core through api.core.service)"
    ]


CLI_CORE_IMPORTS = [
    *CORE_IMPORTS[:3],
    ("from .core.sparql_terms import checked_iri\n", "api.core.sparql_terms"),
]


@pytest.mark.parametrize(("source", "module"), CLI_CORE_IMPORTS, ids=[m for _, m in CLI_CORE_IMPORTS])
def test_a_core_import_beside_the_service_in_the_cli_is_found(source, module):
    problems = web_calls_core_only_through_the_service(source, "api/cli.py")
    assert problems == [f"api/cli.py:1: imports {module} (the CLI reaches api.core through api.core.service)"]


def test_the_cli_may_import_the_synthetic_graph_maker_and_the_web_may_not():
    source = "from api.core.synth import synthesise\n"
    assert web_calls_core_only_through_the_service(source, "api/cli.py") == []
    assert len(web_calls_core_only_through_the_service(source, "api/web/app.py")) == 1


def test_the_web_may_import_the_service_and_the_format_registry():
    source = "from api.core.service import GraphService\nfrom api.core import formats\n"
    assert web_calls_core_only_through_the_service(source, "api/web/routes/store.py") == []
