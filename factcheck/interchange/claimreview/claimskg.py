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
import io
from pathlib import Path

from sqlalchemy.orm import Session

from ...errors import FactcheckError, InvalidInput
from ...limits import MAX_TEXT
from ...services.articles import read_text_file
from ..dataset.records import Record
from .build import ReadReviews, build_records
from .ratings import RatingReader, rating_reader
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


def read_claimskg(session: Session, path: Path, ratings: RatingReader | None = None) -> ReadReviews:
    """A ClaimsKG CSV file as dataset records, checked in full (every problem reported together)."""

    try:
        text = read_text_file(path)
    except FactcheckError as error:
        raise InvalidInput(f"{path.name}: {error}") from None
    csv.field_size_limit(MAX_TEXT * 100)  # extra_body holds whole articles; it is not read
    # Row by row: each becomes a review at once, so that the rows (and their articles) are never
    # all held together.
    rows = csv.DictReader(io.StringIO(text, newline=""))
    problems = Problems(path.name)
    try:
        header = rows.fieldnames or []
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            raise InvalidInput(
                f"{path.name}: not a ClaimsKG CSV file: no column {', '.join(missing)} "
                f"(it reads the claimskg-extractor's columns: {', '.join(KNOWN_COLUMNS)})"
            )
        reviews = [review for number, row in enumerate(rows, start=1) if (review := _row(problems, number, row))]
    except csv.Error as error:
        raise InvalidInput(f"{path.name}: not a valid CSV file: {error}") from None
    del text, rows  # the file's text is not needed any more
    return build_records(session, path.name, reviews, ratings, problems)


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


def read_file(session: Session, path: Path, rating_map: Path | None) -> tuple[dict[str, list[Record]], list[str]]:
    """`factcheck import --format claimskg`: the records, and what the reading has to say."""
    read = read_claimskg(session, path, rating_reader(rating_map))
    return read.records, read.notes()
