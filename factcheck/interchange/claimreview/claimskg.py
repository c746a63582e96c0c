"""ClaimsKG's flattened CSV, as the claimskg-extractor writes it: one review per row, in columns
named after the ClaimReview fields they hold (`claimReview_claimReviewed`, `rating_alternateName`,
`claimReview_url`, `creativeWork_author_name`, `extra_title`, ...). Rows become the same reviews as
ClaimReview JSON-LD (see reviews.py), so they are read, matched and reported the same way.

Read: the claim (`claimReview_claimReviewed`; where an outlet's export leaves it empty, the
review's headline, `extra_title`, marked in the claim's note as taken from it), its author (`creativeWork_author_name`,
`creativeWork_author_sameAs`) and date (`creativeWork_datePublished`); the reviewer
(`claimReview_author_name`, `claimReview_author_url`), the review page (`claimReview_url`,
`extra_title`) and date (`claimReview_datePublished`); the label (`rating_alternateName`) and the
outlet's numbers (`rating_ratingValue`, `rating_bestRating`, `rating_worstRating`); the tags
(`extra_tags`, comma-separated). Not read: the article's text (`extra_body`), the links it cites
(`extra_refered_links`: they are the fact-checker's references, not appearances of the claim) and
the extractor's entity annotations (`extra_entities_*`)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from ...errors import InvalidInput
from ...limits import MAX_TEXT
from ..formats import Batches
from .feeds import in_batches, text_stream
from .ratings import rating_reader
from .reviews import Fields, Party, Problems, Review

REQUIRED_COLUMNS = ("claimReview_claimReviewed", "rating_alternateName")
KNOWN_COLUMNS = (
    *REQUIRED_COLUMNS,
    "claimReview_author_name",
    "claimReview_author_url",
    "claimReview_datePublished",
    "claimReview_url",
    "creativeWork_author_name",
    "creativeWork_author_sameAs",
    "creativeWork_datePublished",
    "extra_title",
    "extra_tags",
    "rating_ratingValue",
    "rating_bestRating",
    "rating_worstRating",
)


def read_file(session: Session, path: Path, rating_map: Path | None) -> tuple[Batches, list[str]]:
    """`factcheck import --format claimskg`: the records, a batch of rows at a time (see feeds.py),
    and what the reading has to say once every row is read. The file is read as it goes: an export
    of any number of rows is read in flat memory."""
    problems, notes = Problems(path.name), list[str]()
    reviews = _reviews(path, problems)
    return Batches(in_batches(session, path.name, reviews, rating_reader(rating_map), problems, notes)), notes


def _reviews(path: Path, problems: Problems) -> Iterator[Review]:
    """Row by row, each a review at once, so that the rows (and their articles) are never all held."""
    csv.field_size_limit(MAX_TEXT * 100)  # extra_body holds whole articles; it is not read
    try:
        with text_stream(path) as stream:
            rows = csv.DictReader(stream)
            header = rows.fieldnames or []
            missing = [column for column in REQUIRED_COLUMNS if column not in header]
            if missing:
                raise InvalidInput(
                    f"{path.name}: not a ClaimsKG CSV file: no column {', '.join(missing)} "
                    f"(it reads the claimskg-extractor's columns: {', '.join(KNOWN_COLUMNS)})"
                )
            for number, row in enumerate(rows, start=1):
                if review := _row(problems, number, row):
                    yield review
    except csv.Error as error:
        raise InvalidInput(f"{path.name}: not a valid CSV file: {error}") from None
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{path.name}: is not {error.encoding.upper()} text (byte {error.start} of a chunk cannot be read): "
            "convert it to UTF-8 first"
        ) from None


def _row(problems: Problems, number: int, row: dict[str, str | None]) -> Review | None:
    fields = Fields(problems, f"row #{number}")
    if None in row:  # more cells than the header has columns
        fields.problem("", f"{len(row[None] or [])} cells more than the header's columns")  # type: ignore[index]
    claim = fields.text(row.get("claimReview_claimReviewed"), "claimReview_claimReviewed", MAX_TEXT)
    title = fields.text(row.get("extra_title"), "extra_title")
    if not claim and not title and not fields.failed:  # some outlets' whole exports state no claim
        fields.problem("claimReview_claimReviewed", "is empty, and so is extra_title: no text for the claim")
    label = fields.text(row.get("rating_alternateName"), "rating_alternateName", required=True)
    claimant = fields.text(row.get("creativeWork_author_name"), "creativeWork_author_name")
    claimant_id = fields.text(row.get("creativeWork_author_sameAs"), "creativeWork_author_sameAs")
    reviewer = fields.text(row.get("claimReview_author_name"), "claimReview_author_name")
    reviewer_url = fields.text(row.get("claimReview_author_url"), "claimReview_author_url")
    tags = [tag.strip() for tag in (row.get("extra_tags") or "").split(",") if tag.strip()]
    review = Review(
        where=fields.where,
        claim=" ".join((claim or title or "").split()),
        from_headline=not claim,
        label=label or "",
        claimant=Party(claimant, keys=[claimant_id] if claimant_id else []) if claimant else None,
        stated_on=fields.date(row.get("creativeWork_datePublished"), "creativeWork_datePublished"),
        reviewer=Party(reviewer or reviewer_url, keys=[reviewer_url] if reviewer_url else [])
        if reviewer or reviewer_url
        else None,
        url=fields.text(row.get("claimReview_url"), "claimReview_url"),
        title=title,
        date=fields.date(row.get("claimReview_datePublished"), "claimReview_datePublished"),
        values=(
            fields.number(row.get("rating_ratingValue")),
            fields.number(row.get("rating_bestRating")),
            fields.number(row.get("rating_worstRating")),
        ),
        tags=tags,
    )
    return None if fields.failed else review
