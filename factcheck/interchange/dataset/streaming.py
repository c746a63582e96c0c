"""Reading a dataset file a record at a time: a YAML or JSON file that holds one mapping of named
lists, read item by item, so that memory holds one item and not the file.

A first pass learns which lists the file holds, in what order and with how many items, and finds
a syntax error anywhere in the file before anything is loaded. Then each list is read when it is
asked for: continuing where the last one ended when the lists are asked for in the file's order
(so a file in that order is read once more, and only once), or from the start of the file when not.
Items are parsed under the same limits as whole files (see parsing)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from ...errors import InvalidInput
from ...limits import MAX_ARCHIVED_TEXT
from ..parsing import MAX_DEPTH, _depth_over, _too_deep, not_utf8, opened, unique_keys, yaml_errors, yaml_loader

READ = 1 << 20  # characters read from the file at a time
MAX_ITEM = 6 * MAX_ARCHIVED_TEXT  # the longest item read: a source's text with every character escaped

# A walk through a file: its lists in order, each with a function giving its items; the items are
# built (True) or only passed over (False).
Walk = Generator[tuple[str, Callable[[bool], Iterator[Any]]], None, None]


class ListsFile:
    """A file holding one mapping of lists whose names are in `allowed`."""

    def __init__(self, file: Path, allowed: Sequence[str]) -> None:
        self.file, self.allowed = file, allowed
        self.counts: dict[str, int] = {}  # each list's name → its items, in the file's order
        for name, items in self._walk():
            self.counts[name] = sum(1 for _ in items(False))
        self._open: Walk | None = None
        self._ahead: list[str] = []  # the lists the open walk has still to reach

    def items(self, name: str) -> Iterator[Any]:
        """The items of the list called `name` (none if the file has no such list)."""
        if name not in self.counts:
            return
        if self._open is None or name not in self._ahead:
            self._open, self._ahead = self._walk(), list(self.counts)
        for found, items in self._open:
            self._ahead.pop(0)
            if found == name:
                yield from items(True)
                return
            for _ in items(False):  # a list asked for later: read again then
                pass

    def close(self) -> None:
        """Close the file, if a reading left it open; a later reading opens it again."""
        if self._open is not None:
            self._open.close()
            self._open = None

    @property
    def holds_open(self) -> bool:
        return self._open is not None

    def _walk(self) -> Walk:
        return _json_walk(self) if self.file.suffix.lower() == ".json" else _yaml_walk(self)

    def name(self, key: Any, seen: Sequence[str]) -> str:
        """A list's name, checked: one of `allowed`, and not twice."""
        if not isinstance(key, str) or key not in self.allowed:
            raise self.not_a_mapping()
        if key in seen:
            raise InvalidInput(f"{self.file.name}: section {key!r} appears twice: give each section once")
        return key

    def not_a_mapping(self) -> InvalidInput:
        return InvalidInput(f"{self.file.name}: expected a mapping with the sections {', '.join(self.allowed)}")

    def not_a_list(self, name: str) -> InvalidInput:
        return InvalidInput(f"{self.file.name}: section {name!r} must be a list")


# --- YAML ---------------------------------------------------------------------------------------


def _yaml_walk(lists: ListsFile) -> Walk:
    import yaml

    with opened(lists.file) as stream, yaml_errors(lists.file.name):
        loader = yaml_loader(stream)
        try:
            loader.get_event()  # the stream's start
            if loader.check_event(yaml.StreamEndEvent):
                return  # an empty file: no lists
            loader.get_event()  # the document's start
            if not loader.check_event(yaml.MappingStartEvent):
                if loader.construct_document(loader.compose_node(None, None)) is None:
                    return  # "~" or a document of comments: no lists
                raise lists.not_a_mapping()
            loader.get_event()
            seen: list[str] = []
            while not loader.check_event(yaml.MappingEndEvent):
                name = lists.name(loader.construct_object(loader.compose_node(None, None)), seen)
                seen.append(name)
                if not loader.check_event(yaml.SequenceStartEvent):
                    raise lists.not_a_list(name)
                loader.get_event()
                reading: list[Iterator[Any]] = []

                def items(build: bool, reading: list[Iterator[Any]] = reading) -> Iterator[Any]:
                    reading.append(_yaml_items(loader, build, lists.file.name))
                    return reading[-1]

                yield name, items
                for _ in reading[-1] if reading else _yaml_items(loader, False, lists.file.name):
                    pass  # what the caller left unread
                loader.get_event()  # the list's end
            loader.get_event()  # the mapping's end
            loader.get_event()  # the document's end
            if not loader.check_event(yaml.StreamEndEvent):
                event = loader.peek_event()
                line = f" at line {event.start_mark.line + 1}" if event.start_mark else ""
                raise InvalidInput(f"{lists.file.name}: not valid YAML{line}: expected a single document")
        finally:
            loader.dispose()


def _yaml_items(loader: Any, build: bool, name: str) -> Iterator[Any]:
    """The items of the list the loader is in, up to its end. Items passed over are still composed
    (an alias later in the file may name an anchor in them) but not built."""
    import yaml

    with yaml_errors(name):  # read when the caller asks, outside the walk's own guard
        while not loader.check_event(yaml.SequenceEndEvent):
            loader.depth = 2  # inside the top-level mapping and this list, as in a whole document
            node = loader.compose_node(None, None)
            if build:
                item = loader.construct_object(node, deep=True)
                loader.constructed_objects.clear()  # the constructor's memo would keep every item
                loader.recursive_objects.clear()
                yield item
            else:
                yield None


# --- JSON ---------------------------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")


def _json_walk(lists: ListsFile) -> Walk:
    with opened(lists.file) as stream:
        text = _JsonText(stream, lists.file.name)
        if text.peek() == "\ufeff":  # a byte order mark, as some editors write: not part of the JSON
            text.at += 1
        if text.peek() != "{":
            if text.peek() == "n" and text.value() is None and text.peek() == "":
                return  # null: no lists
            text.value()  # a syntax error is named as such
            raise lists.not_a_mapping()
        text.take("{")
        seen: list[str] = []
        while text.peek() != "}":
            if seen:
                text.take(",")
            if text.peek() != '"':
                text.fail("Expecting property name enclosed in double quotes")
            name = lists.name(text.value(), seen)
            seen.append(name)
            text.take(":")
            if text.peek() != "[":
                text.value()
                raise lists.not_a_list(name)
            text.open_list()
            yield name, text.items
            text.close_list()
        text.take("}")
        if text.peek() != "":
            text.fail("Extra data")


class _JsonText:
    """JSON text read from a file in pieces: the mapping and its lists by hand, each item by the json
    module (so values are read exactly as `json.loads` reads them)."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self.stream, self.name = stream, name
        self.text, self.at, self.lines = "", 0, 0  # the piece in memory, where we are, lines before it
        self.ended = False
        self.decoder = json.JSONDecoder(object_pairs_hook=unique_keys)
        self.in_list = self.first = False

    def _more(self, at_least: int = READ) -> bool:
        """Read more of the file, dropping what has been read; False at its end."""
        try:
            piece = "" if self.ended else self.stream.read(max(READ, at_least))
        except UnicodeDecodeError:
            raise not_utf8(self.name) from None
        if not piece:
            self.ended = True
            return False  # nothing moves: positions in the text in memory stay true
        self.lines += self.text.count("\n", 0, self.at)
        self.text, self.at = self.text[self.at :] + piece, 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end of the file)."""
        while True:
            self.at = _SPACE.match(self.text, self.at).end()  # type: ignore[union-attr]
            if self.at < len(self.text) or not self._more():
                return self.text[self.at : self.at + 1]

    def take(self, char: str) -> None:
        if self.peek() != char:
            self.fail(f"Expecting {char!r} delimiter" if char in ",:" else f"Expecting {char!r}")
        self.at += 1

    def value(self) -> Any:
        """The next value, read as json.loads reads it; a piece that ends inside it is read further,
        up to MAX_ITEM characters."""
        self.peek()
        while True:
            try:
                value, self.at = self.decoder.raw_decode(self.text, self.at)
            except json.JSONDecodeError as error:
                if len(self.text) - self.at < MAX_ITEM and self._more(len(self.text)):
                    continue  # perhaps only cut off: try again with more
                self.fail(error.msg, error.pos)
            except RecursionError:
                raise InvalidInput(f"{self.name}: {_too_deep()}") from None
            except ValueError as error:  # e.g. an integer of more digits than Python converts
                self.fail(str(error))
            if _depth_over(value, MAX_DEPTH - 2):
                raise InvalidInput(f"{self.name}: {_too_deep()}")
            return value

    def open_list(self) -> None:
        self.take("[")
        self.in_list, self.first = True, True

    def items(self, build: bool) -> Iterator[Any]:
        """The items of the list we are in, from where the last reading stopped, up to its end."""
        while self.in_list and self.peek() != "]":
            if not self.first:
                self.take(",")
            self.first = False
            item = self.value()
            yield item if build else None
        self.in_list = False

    def close_list(self) -> None:
        for _ in self.items(False):  # what the caller left unread
            pass
        self.take("]")

    def fail(self, problem: str, at: int | None = None) -> None:
        at = self.at if at is None else at
        line = self.lines + self.text.count("\n", 0, at) + 1
        raise InvalidInput(f"{self.name}: not valid JSON at line {line}: {problem}")
