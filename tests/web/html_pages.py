"""The pages the web tests read, as trees: BeautifulSoup over Python's own html.parser (no
compiled dependency), and the few helpers the page tests share."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def one(tag: Tag, selector: str) -> Tag:
    """The one element under ``tag`` that the CSS ``selector`` matches; there must be exactly one."""
    found = tag.select(selector)
    assert len(found) == 1, f"{len(found)} × {selector!r}"
    return found[0]


def hrefs(tag: Tag) -> list[str]:
    """The targets of the links under ``tag``, in document order."""
    return [str(a["href"]) for a in tag.select("a[href]")]


def paths(links: Iterable[str]) -> set[str]:
    """The URL paths of ``links``."""
    return {urlsplit(h).path for h in links}
