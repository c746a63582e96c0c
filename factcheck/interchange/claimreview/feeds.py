"""Fact-checkers' files of any size: a ClaimsKG export of hundreds of thousands of rows, a
ClaimReview feed larger than a file factcheck reads whole. Their reviews are made into records and
loaded a batch at a time (formats.Batches): memory stays flat whatever the file's size, and each
batch finds what the earlier ones added (a reviewer, a source, a claim reviewed again), as one
reading of the whole file would. A problem stops the import with nothing written (one transaction),
naming the problems of the batch it is in."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from ...errors import InvalidInput
from ...services.articles import BOMS
from ..dataset.records import Record
from ..parsing import MAX_DEPTH, _depth_over, _too_deep
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
    notes.extend(said.notes())


def text_stream(path: Path) -> IO[str]:
    """The file as text read as it goes: UTF-8, or what its byte-order mark says."""
    with path.open("rb") as raw:
        start = raw.read(4)
    if not start:
        raise InvalidInput(f"{path.name}: {path} is empty")
    codec = next((codec for bom, codec in BOMS if start.startswith(bom)), "utf-8-sig")
    return path.open(encoding=codecs.lookup(codec).name, errors="strict", newline="")


class _Keys(dict[str, Any]):
    """A JSON object that remembers a key written twice with two values (see parsing.unique_keys):
    the streaming parser's C backend cannot raise from inside it, and builds items ahead."""

    doubled: str | None = None

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self and self[key] != value and self.doubled is None:
            self.doubled = key
        super().__setitem__(key, value)


def _doubled(value: Any) -> str | None:
    """The first key written twice with two values in any object of `value`."""
    if isinstance(value, _Keys) and value.doubled is not None:
        return value.doubled
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((key for child in children if (key := _doubled(child)) is not None), None)


def feed_items(path: Path) -> Iterator[tuple[str, int, Any]]:
    """(list, number, item) of each item of the list a large ClaimReview file holds its reviews in
    (one of LISTS), parsed one at a time under the limits of a whole file's parsing."""
    import ijson

    prefix = _list_prefix(path)
    try:
        with path.open("rb") as stream:
            items = ijson.items(stream, prefix, map_type=_Keys, use_float=True)
            for number, item in enumerate(items, start=1):
                if (key := _doubled(item)) is not None:
                    raise InvalidInput(
                        f"{path.name}: item {number}: the key {key!r} appears twice in one object, "
                        "with two values: keep one"
                    )
                if _depth_over(item, MAX_DEPTH - prefix.count(".") - 1):
                    raise InvalidInput(f"{path.name}: {_too_deep()}")
                yield prefix, number, item
    except ijson.JSONError as error:
        raise InvalidInput(f"{path.name}: not valid JSON: {error}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name}: is not UTF-8 text: convert it to UTF-8 first") from None


def _list_prefix(path: Path) -> str:
    """Which of LISTS the file holds its reviews in, from its first keys."""
    import ijson

    try:
        with path.open("rb") as stream:
            for prefix, event, value in ijson.parse(stream):
                if prefix == "" and event == "start_array":
                    return "item"
                if prefix == "" and event == "map_key" and f"{value}.item" in LISTS:
                    return f"{value}.item"
                if prefix == "" and event not in ("start_map", "map_key"):
                    break
    except ijson.JSONError as error:
        raise InvalidInput(f"{path.name}: not valid JSON: {error}") from None
    raise InvalidInput(
        f"{path.name}: too large to read whole, and not a list of reviews: a file this size is read as "
        f"a list (of ClaimReview objects, or a feed's {', '.join(p.removesuffix('.item') for p in LISTS[1:])})"
    )
