"""Reading YAML and JSON files that may be hostile.

A few hundred bytes of YAML can ask for gigabytes through nested aliases ("billion laughs"), and
tens of thousands of nested brackets overflow a recursive reader. So YAML is read with PyYAML's
safe loading (libyaml's parser when installed) under a composer that counts what aliases would
expand to and how deep collections nest, and refuses a file beyond small limits; JSON is refused
beyond the same depth. Scalars follow YAML 1.2's core schema: only true/false are booleans (so
`language: no` stays the text "no"), and no dates or sexagesimal numbers are guessed."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from ..errors import InvalidInput

MAX_DEPTH = 64  # collections inside collections: a dataset needs about 6, a ClaimReview about 10
MAX_ALIASES = 100  # uses of YAML aliases (*name) in one file
MAX_ALIASED_VALUES = 10_000  # values those aliases stand for, counted as if written out


class _Refused(Exception):
    """A file over a limit; `line` is where the reader was (1-based), if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _read(file: Path) -> str:
    with opened(file) as stream:
        return stream.read()


@contextmanager
def opened(file: Path) -> Iterator[TextIO]:
    """A file opened as UTF-8 text; a failure to open or decode it, in the block, is InvalidInput."""
    try:
        with file.open(encoding="utf-8") as stream:
            yield stream
    except UnicodeDecodeError:
        raise not_utf8(file.name) from None
    except OSError as error:
        raise InvalidInput(f"cannot read {file}: {error.strerror}") from None


def not_utf8(name: str) -> InvalidInput:
    return InvalidInput(f"{name}: not UTF-8 text")


def read_json(file: Path) -> Any:
    """The parsed content of a JSON file, whatever its name."""
    return parse_json(_read(file), file.name)


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys say one thing each: a key written twice with two values would
    silently keep its last (the json module's way), so one reading would be lost unseen. Written
    twice with the same value (a slip real JSON-LD has), it is one key."""
    mapping = dict(pairs)
    if len(mapping) != len(pairs):
        for key, value in pairs:
            if mapping[key] != value:
                raise ValueError(f"the key {key!r} appears twice in one object, with two values: keep one")
    return mapping


def parse_json(raw: str, name: str) -> Any:
    """JSON text, nested at most MAX_DEPTH deep, each object's keys different; `name` names it in errors."""
    try:
        document = json.loads(raw, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{name}: not valid JSON at line {error.lineno}: {error.msg}") from None
    except RecursionError:  # the C decoder stops at the interpreter's recursion limit
        raise InvalidInput(f"{name}: {_too_deep()}") from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise InvalidInput(f"{name}: not valid JSON: {error}") from None
    if _depth_over(document, MAX_DEPTH):
        raise InvalidInput(f"{name}: {_too_deep()}")
    return document


def parse_yaml(raw: str, name: str) -> Any:
    """YAML text under the limits above; `name` names it in errors."""
    with yaml_errors(name):
        loader = yaml_loader(raw)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()


def yaml_loader(stream: str | TextIO) -> Any:
    """PyYAML's safe loader under the limits above, reading text or a text file."""
    return _loader_class()(stream)


@contextmanager
def yaml_errors(name: str) -> Iterator[None]:
    """Within the block, YAML that is not valid or is over a limit is InvalidInput naming `name`."""
    import yaml

    try:
        yield
    except _Refused as refused:
        at = f" (line {refused.line})" if refused.line else ""
        raise InvalidInput(f"{name}: {refused}{at}") from None
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where else ""
        said = [getattr(error, part, None) for part in ("context", "problem")]
        problem = "; ".join(str(part) for part in said if part) or str(error)
        if "maximum nesting depth" in problem:  # PyYAML 6.0.4 and later stop it first, at a depth of their own
            raise InvalidInput(f"{name}: {_too_deep()}{at}") from None
        raise InvalidInput(f"{name}: not valid YAML{at}: {problem}") from None
    except UnicodeDecodeError:
        raise not_utf8(name) from None
    except ValueError as error:  # e.g. an integer of more digits than Python converts
        raise InvalidInput(f"{name}: not valid YAML: {error}") from None


def _too_deep() -> str:
    return f"nested more than {MAX_DEPTH} levels deep: a dataset needs far fewer"


def _depth_over(value: Any, limit: int) -> bool:
    """Whether lists and mappings nest more than `limit` deep (without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


@functools.cache
def _loader_class() -> type:
    """The loader, built on first use so that importing this module does not import PyYAML."""
    import yaml
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.resolver import BaseResolver

    class Resolver(BaseResolver):
        """YAML 1.2's core schema, less its rarely used octal and hex integers."""

        yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}

    implicit = [
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        ("tag:yaml.org,2002:int", r"^[-+]?[0-9]+$", "-+0123456789"),
        (
            "tag:yaml.org,2002:float",
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
            "-+0123456789.",
        ),
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ]
    for tag, pattern, first in implicit:
        Resolver.add_implicit_resolver(tag, re.compile(pattern), list(first))

    class Constructor(SafeConstructor):
        def construct_decimal(self, node: Any) -> int:
            return int(self.construct_scalar(node), 10)  # "012" is twelve, as in YAML 1.2

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            """A mapping whose keys say one thing each: PyYAML keeps a repeated key's last value silently."""
            seen: dict[tuple[str, str], Any] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                said = (value.tag, value.value) if isinstance(value, yaml.ScalarNode) else id(value)
                if seen.setdefault((key.tag, key.value), said) != said:  # the same value twice is one key
                    line = key.start_mark.line + 1 if key.start_mark else None
                    raise _Refused(
                        f"the key {key.value!r} appears twice in one mapping, with two values: keep one", line
                    )
            return super().construct_mapping(node, deep)

    Constructor.yaml_constructors = {
        **SafeConstructor.yaml_constructors,
        "tag:yaml.org,2002:int": Constructor.construct_decimal,
    }

    class LimitedComposer(Composer):
        """PyYAML's composer, counting nesting depth and what aliases stand for."""

        def __init__(self) -> None:
            super().__init__()
            self.depth = 0
            self.values = 0  # values composed so far, aliased ones counted in full
            self.aliases = 0
            self.aliased_values = 0
            self.sizes: dict[str, int] = {}  # anchor → values under it, once its node is complete

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()  # type: ignore[attr-defined]  # the parser's, mixed in below
            if isinstance(event, yaml.AliasEvent):
                self.aliases += 1
                size = self.sizes.get(event.anchor or "")
                line = event.start_mark.line + 1 if event.start_mark else None
                if event.anchor in self.anchors and size is None:
                    raise _Refused(f"the alias *{event.anchor} refers to the value that contains it", line)
                if self.aliases > MAX_ALIASES:
                    raise _Refused(f"more than {MAX_ALIASES} YAML aliases: write the values out instead", line)
                self.aliased_values += size or 0
                if self.aliased_values > MAX_ALIASED_VALUES:
                    raise _Refused(
                        f"YAML aliases that stand for more than {MAX_ALIASED_VALUES:,} values: "
                        "write the values out instead",
                        line,
                    )
                self.values += size or 0
                return super().compose_node(parent, index)
            collection = isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
            if collection:
                self.depth += 1
                if self.depth > MAX_DEPTH:
                    raise _Refused(_too_deep(), event.start_mark.line + 1 if event.start_mark else None)
            before = self.values
            self.values += 1
            node = super().compose_node(parent, index)
            if collection:
                self.depth -= 1
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                self.sizes[anchor] = self.values - before
            return node

    if getattr(yaml, "__with_libyaml__", False):
        from yaml._yaml import CParser

        class CLoader(LimitedComposer, CParser, Constructor, Resolver):
            """libyaml parses (fast, and not recursive); Python composes, under the limits. (libyaml's own
            composer, used by CSafeLoader, cannot count aliases and recurses in C until the stack
            overflows on deep nesting.)"""

            def __init__(self, stream: str | TextIO) -> None:
                CParser.__init__(self, stream)
                LimitedComposer.__init__(self)
                Constructor.__init__(self)
                Resolver.__init__(self)

        return CLoader

    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class PyLoader(Reader, Scanner, Parser, LimitedComposer, Constructor, Resolver):
        def __init__(self, stream: str | TextIO) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            LimitedComposer.__init__(self)
            Constructor.__init__(self)
            Resolver.__init__(self)

    return PyLoader
