"""Fact-checkers' files of any size: a ClaimsKG export of hundreds of thousands of rows, a
ClaimReview feed larger than a file factcheck reads whole. Their reviews are made into records and
loaded a batch at a time (formats.Batches): memory grows only with the slugs and ids of what the
import added (about 0.4 KB a review; benchmarks/feeds.py), and each batch finds what the earlier
ones added (a reviewer, a source, a claim reviewed again), as one reading of the whole file would.
A problem stops the import with nothing written (one transaction), naming the problems of the
batch it is in."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from ...errors import InvalidInput
from ...services.articles import BOMS
from ..dataset.records import Record
from ..parsing import MAX_DEPTH, _too_deep
from .build import ReadReviews, build_records
from .ratings import RatingReader
from .reviews import Problems, Review

REVIEWS_AT_ONCE = 5_000  # reviews made into records and loaded together: about 50 MB
# Where a feed too large to read whole lists its reviews, as the whole-file reader finds them.
LISTS = ("item", "dataFeedElement.item", "@graph.item", "items.item", "itemListElement.item", "claims.item")


def in_batches(
    session: Session,
    file: str,
    reviews: Iterable[Review],
    ratings: RatingReader,
    problems: Problems,
    notes: list[str],
) -> Iterator[dict[str, list[Record]]]:
    """The records of `reviews`, REVIEWS_AT_ONCE at a time; `notes` gets what the whole reading
    has to say once the last batch is read."""
    said = ReadReviews({}, [], [])

    def built(batch: list[Review]) -> dict[str, list[Record]]:
        read = build_records(session, file, batch, ratings, problems)
        said.unread_labels += read.unread_labels
        said.aliases_not_added += read.aliases_not_added
        said.from_headlines += read.from_headlines
        return read.records

    batch: list[Review] = []
    made = False
    for review in reviews:
        batch.append(review)
        if len(batch) >= REVIEWS_AT_ONCE:
            yield built(batch)
            batch, made = [], True
    if batch or not made:
        yield built(batch)
    problems.raise_any()  # a bad review after the last full batch is in no batch: still refused
    notes.extend(said.notes())


def text_stream(path: Path) -> IO[str]:
    """The file as text read as it goes: UTF-8, or what its byte-order mark says."""
    with path.open("rb") as raw:
        start = raw.read(4)
    if not start:
        raise InvalidInput(f"{path.name}: {path} is empty")
    codec = next((codec for bom, codec in BOMS if start.startswith(bom)), "utf-8-sig")
    return path.open(encoding=codecs.lookup(codec).name, errors="strict", newline="")


SCALARS = ("null", "boolean", "integer", "double", "number", "string")


def feed_items(path: Path) -> Iterator[tuple[str, int, Any]]:
    """(list, number, item) of each item of the one list a large ClaimReview file holds its reviews
    in (LISTS), built from the parser's events under the limits of a whole file's parsing. Read
    twice: first to check the whole file's shape (before anything is loaded) and to learn where each
    node named by an `@id` is; then for the reviews, an item referring to a node in another item
    being refused (it would be misread: only a whole reading follows such references)."""
    defined: dict[str, int] = {}
    for number, (_prefix, item) in enumerate(_items(path), start=1):
        for node in _nodes(item, named=True):
            defined.setdefault(node, number)
    for number, (prefix, item) in enumerate(_items(path), start=1):
        elsewhere = sorted({node for node in _nodes(item, named=False) if defined.get(node, number) != number})
        if elsewhere:
            raise InvalidInput(
                f"{path.name}: item {number} refers to {elsewhere[0]!r}, a node of item {defined[elsewhere[0]]}: "
                "a ClaimReview file over 20 MB is read item by item; keep each review's nodes in its item, "
                "or split the file"
            )
        yield prefix, number, item


def _nodes(value: Any, *, named: bool) -> Iterator[str]:
    """The `@id`s of the nodes in `value` (objects with more than an `@id` and `@type`), or of the
    references to nodes (objects with nothing else)."""
    if isinstance(value, dict):
        node = value.get("@id")
        if isinstance(node, str) and bool(set(value) - {"@id", "@type"}) == named:
            yield node
        for child in value.values():
            yield from _nodes(child, named=named)
    elif isinstance(value, list):
        for child in value:
            yield from _nodes(child, named=named)


def _items(path: Path) -> Iterator[tuple[str, Any]]:
    """(list, item) for each item of the file's list of reviews; the file's other parts must be
    scalars (a version, a page token) or its `@context`."""
    import ijson

    stream = _opened(path)
    listed: str | None = None
    top: set[str] = set()
    stack: list[Any] = []
    keys: list[Any] = []
    count = 0
    try:
        for where, event, value in ijson.parse(stream, use_float=True):
            if stack:  # inside an item
                if event == "map_key":
                    keys[-1] = value
                elif event in ("start_map", "start_array"):
                    if len(stack) >= MAX_DEPTH - (listed or "").count("."):
                        raise InvalidInput(f"{path.name}: {_too_deep()}")
                    made: Any = {} if event == "start_map" else []
                    _put(stack[-1], keys[-1], made, path, count + 1)
                    stack.append(made)
                    keys.append(None)
                elif event in ("end_map", "end_array"):
                    done = stack.pop()
                    keys.pop()
                    if not stack:
                        count += 1
                        yield str(listed), done
                else:
                    _put(stack[-1], keys[-1], value, path, count + 1)
            elif listed is not None and where == listed:  # an item starts
                if event in ("start_map", "start_array"):
                    stack.append({} if event == "start_map" else [])
                    keys.append(None)
                elif event in SCALARS:
                    count += 1
                    yield listed, value
            elif where == "" and event == "start_array" and listed is None and not top:
                listed = "item"
            elif where == "" and event == "map_key":
                if value in top:
                    raise InvalidInput(f"{path.name}: the key {value!r} appears twice in the file's object")
                top.add(value)
            elif where and "." not in where and event in ("start_map", "start_array") and where != "@context":
                if listed is None and event == "start_array" and f"{where}.item" in LISTS:
                    listed = f"{where}.item"
                elif listed is None:
                    raise _not_a_list(path)
                else:
                    raise InvalidInput(
                        f"{path.name}: a ClaimReview file over 20 MB is read as one list of reviews, and this one "
                        f"holds {where!r} beside its {listed.removesuffix('.item')!r}: split the file"
                    )
    except ijson.JSONError as error:
        message = str(error).split("\n")[0][:160]
        raise InvalidInput(f"{path.name}: not valid UTF-8 JSON ({message})") from None
    finally:
        stream.close()
    if listed is None:
        raise _not_a_list(path)


def _put(container: Any, key: Any, value: Any, path: Path, number: int) -> None:
    if isinstance(container, list):
        container.append(value)
        return
    if key in container and container[key] != value:  # see parsing.unique_keys
        raise InvalidInput(
            f"{path.name}: item {number}: the key {key!r} appears twice in one object, with two values: keep one"
        )
    container[key] = value


def _opened(path: Path) -> IO[bytes]:
    """The file's bytes after a UTF-8 byte-order mark; another byte-order mark is refused."""
    stream = path.open("rb")
    start = stream.read(4)
    if start.startswith(codecs.BOM_UTF8):
        stream.seek(3)
    elif any(start.startswith(bom) for bom, _codec in BOMS):
        stream.close()
        raise InvalidInput(
            f"{path.name}: a ClaimReview file over 20 MB is read as it goes, in UTF-8 only: convert it to UTF-8"
        )
    else:
        stream.seek(0)
    return stream


def _not_a_list(path: Path) -> InvalidInput:
    return InvalidInput(
        f"{path.name}: too large to read whole, and not a list of reviews: a file this size is read as "
        f"a list (of ClaimReview objects, or a feed's {', '.join(p.removesuffix('.item') for p in LISTS[1:])})"
    )
