"""Reading a MADR record (https://adr.github.io/madr/): YAML front matter and Markdown sections,
into plain values. What the keys and sections mean in RDF is :mod:`records`' business.

The front matter is read by a YAML loader that refuses what a record never needs and what
would make reading it costly (anchors and aliases, duplicate keys, long lists, deep nesting; see
the limits below); a refusal or a parse error is an :class:`~rsikg.errors.InputError` located at
the file's line, counting the opening ``---``.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.front_matter import front_matter_plugin

from ...errors import InputError, Location


class RecordError(InputError):
    """A record that cannot be read; ``problems`` holds each thing found wrong, located."""

    def __init__(self, problems: Sequence[InputError]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first.message + more, first.location)


Fields = dict[str, tuple[object, int]]
"""The front matter's top-level keys, each with its value and its 1-based line in the file."""


@dataclass(frozen=True)
class Section:
    """A Markdown section: its heading and the text up to the next heading."""

    title: str
    line: int  # 1-based line of the heading
    level: int
    text: str


@dataclass(frozen=True)
class Document:
    """A MADR record as read: its front matter and its sections, in the file's order."""

    fields: Fields
    sections: list[Section]
    end: int
    """The line just past the last, where a missing section would go."""

    def section(self, names: Sequence[str]) -> Section | None:
        """The first section titled by one of ``names`` (case ignored)."""
        wanted = {n.lower() for n in names}
        return next((s for s in self.sections if s.title.lower() in wanted), None)

    def heading(self) -> str | None:
        """The first level-1 heading: where MADR puts the record's title."""
        return next((s.title for s in self.sections if s.level == 1), None)


_MARKDOWN = MarkdownIt("commonmark").use(front_matter_plugin)


def read(text: str, name: str) -> Document:
    """The record's front matter and sections; :class:`RecordError` if it has no front matter
    or its YAML is refused or does not parse."""
    refuse_control_characters(text, name)
    tokens = _MARKDOWN.parse(text)
    lines = text.splitlines()
    front = next((t for t in tokens if t.type == "front_matter"), None)
    if front is None:
        raise RecordError(
            [
                InputError(
                    "no YAML front matter: a record starts with a line '---', its keys "
                    "(id, title, status, ...), and another '---'",
                    Location(name, line=1),
                )
            ]
        )
    fields = _front_matter(front.content, name)
    headings = [(i, t.map) for i, t in enumerate(tokens) if t.type == "heading_open" and t.map is not None]
    sections: list[Section] = []
    for n, (i, where) in enumerate(headings):
        end = headings[n + 1][1][0] if n + 1 < len(headings) else len(lines)
        body = "\n".join(lines[where[1] : end]).strip()
        level = int(tokens[i].tag[1:])
        sections.append(Section(tokens[i + 1].content.strip(), where[0] + 1, level, body))
    return Document(fields, sections, len(lines) + 1)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refuse_control_characters(text: str, name: str) -> None:
    """A record is text: a NUL or another control character would be turned into U+FFFD by
    the Markdown reader and stored as something the author did not write."""
    found = _CONTROL.search(text)
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        raise InputError(
            f"the record holds the control character U+{ord(found.group()):04X}, which a text record may not",
            Location(name, line, column),
        )


# --------------------------------------------------------------------------------------------
# Front matter, and its limits: checked while it is read, before any work is done on it
# --------------------------------------------------------------------------------------------

MAX_LIST_ITEMS = 1000
"""Items in one front-matter list (``affects:``, ``applies-to:``, ...), and keys in one
mapping. A decision names a handful of systems or regions; 1,000 is far beyond any real one,
yet bounds the triples a record adds, and so the SHACL check of the candidate (200,000 items
ran over 300 s before this limit). A decision touching more systems names a group of them."""

MAX_FRONT_MATTER_VALUES = 10_000
"""Values in the whole front matter (every key, list item and scalar): about 0.3 s of YAML."""

MAX_FRONT_MATTER_DEPTH = 10
"""Nesting of lists and mappings; a record needs two (keys → a list). The YAML composer
recurses per level, so a deep nesting would otherwise exhaust the stack."""


class _Refused(yaml.MarkedYAMLError):
    """Front matter that parses but is refused (a limit, an alias, a duplicate key)."""

    def __init__(
        self,
        problem: str,
        mark: yaml.Mark | None,
        *,
        field: str | None = None,
        first: yaml.Mark | None = None,
    ) -> None:
        super().__init__(problem=problem, problem_mark=mark, context_mark=first)
        self.field = field


class _RecordLoader(yaml.SafeLoader):
    """YAML for a record's front matter: the safe loader, refusing anchors and aliases (a record
    needs none, and seven levels of them made a 1.7 KB record a 702 MB answer), duplicate keys
    (the last one would silently win), and lists, mappings and nesting past the limits above.
    The checks run while the document is composed, so an oversized list stops at its limit."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._values = 0
        self._keys: list[str] = []  # per level being composed, the top-level key it is under
        self._under: dict[int, str] = {}  # id of each mapping node → the top-level key it is under

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except ValueError as err:  # e.g. an integer of more than 4,300 digits, a date out of range
            raise _Refused(f"the value cannot be read ({err})", node.start_mark) from None

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # index: a list item's position, a mapping value's key node, or None for a key
        # errors name the top-level key a value is under (the root and its keys have none)
        if len(self._keys) == 1 and isinstance(index, yaml.ScalarNode):
            field = str(index.value)
        else:
            field = self._keys[-1] if self._keys else ""
        event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML ships no annotations
        problem = self._refusal(event, parent, index)
        if problem:
            raise _Refused(problem, event.start_mark, field=field or None)
        self._keys.append(field)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._keys.pop()
        if isinstance(node, yaml.MappingNode):
            self._under[id(node)] = field
        return node

    def _refusal(self, event: yaml.Event, parent: yaml.Node | None, index: Any) -> str:
        """Why the node ``event`` starts is refused, or ""."""
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            return "anchors and aliases (&name, *name) are not allowed in a record"
        self._values += 1
        if self._values > MAX_FRONT_MATTER_VALUES:
            return f"more than {MAX_FRONT_MATTER_VALUES} values (the limit)"
        if len(self._keys) >= MAX_FRONT_MATTER_DEPTH:
            return f"nested deeper than {MAX_FRONT_MATTER_DEPTH} levels (the limit)"
        if isinstance(parent, yaml.SequenceNode) and isinstance(index, int) and index >= MAX_LIST_ITEMS:
            return f"a list of more than {MAX_LIST_ITEMS} items (the limit)"
        if isinstance(parent, yaml.MappingNode) and index is None and len(parent.value) >= MAX_LIST_ITEMS:
            return f"more than {MAX_LIST_ITEMS} keys in one mapping (the limit)"
        return ""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[Hashable, yaml.Node] = {}
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                continue  # an unhashable key: the safe constructor says so
            if first is not key_node:
                raise _Refused(
                    f"duplicate key {key!r}: a key may be given once",
                    key_node.start_mark,
                    field=self._under.get(id(node)) or str(key),
                    first=first.start_mark,
                )
        return super().construct_mapping(node, deep)


def _front_matter(content: str, name: str) -> Fields:
    loader = _RecordLoader(content)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        raise RecordError([_yaml_problem(err, name)]) from None
    finally:
        loader.dispose()
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        raise RecordError(
            [InputError("the front matter must be YAML keys and values (key: value)", Location(name, line=2))]
        )
    lines = {k.value: k.start_mark.line + 2 for k, _v in node.value if isinstance(k, yaml.ScalarNode)}
    return {str(k): (v, lines.get(str(k), 2)) for k, v in data.items()}


def _yaml_problem(err: yaml.MarkedYAMLError, name: str) -> InputError:
    """A YAML error as a located problem; lines count the file's, past the opening '---'."""
    mark = err.problem_mark or err.context_mark
    line = mark.line + 2 if mark is not None else 2  # +1 for the opening '---', +1 to count from 1
    column = mark.column + 1 if mark is not None else None
    if isinstance(err, _Refused):
        first = f" (first at line {err.context_mark.line + 2})" if err.context_mark is not None else ""
        return InputError(
            f"the front matter is refused: {err.problem}{first}", Location(name, line, column, err.field)
        )
    return InputError(f"the YAML front matter does not parse: {err.problem}", Location(name, line, column))
