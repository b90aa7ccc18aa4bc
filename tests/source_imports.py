"""Which module an import in api/ names, read from the source (ast), for the checks that read
api/'s imports (tests/test_architecture.py, tests/core/test_sparql_terms.py).

Modules are named by their path under the checkout (``api/core/store/base.py`` is
``rsikg.core.store.base``). The package is installed and imported as ``rsikg`` (pyproject.toml maps
``rsikg`` to ``api/``), and its modules import each other relatively, so an import is resolved
against the file's own package, and an absolute ``rsikg.…`` counts as ``rsikg.…``.
"""

from __future__ import annotations

import ast

INSTALLED_AS = "rsikg"


def module_name(relative: str) -> str:
    """``api/core/store/base.py`` → ``rsikg.core.store.base`` (a package's ``__init__``: itself)."""
    parts = relative.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def by_path(module: str) -> str:
    """``rsikg.core.service`` → ``rsikg.core.service``; any other name unchanged."""
    if module == INSTALLED_AS or module.startswith(f"{INSTALLED_AS}."):
        return "api" + module[len(INSTALLED_AS) :]
    return module


def imported_from(node: ast.ImportFrom, relative: str) -> str:
    """The module a ``from … import`` in the file at ``relative`` reads from, relative imports
    resolved and named by path."""
    if not node.level:
        return by_path(node.module or "")
    package = module_name(relative).split(".")
    if not relative.endswith("__init__.py"):
        package = package[:-1]  # a module's own package is level 1
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])
