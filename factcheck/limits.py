"""The documented size limits, in one place: what a field, a file or a query may hold.

A value over its limit is refused with a clear error before anything is written; the README lists them."""

from __future__ import annotations

MAX_NAME = 2_000  # names, titles, URLs, labels, tags, locators: characters
MAX_TEXT = 10_000  # a claim's text, a quote, a rationale, a note: characters
MAX_ARCHIVED_TEXT = 20_000_000  # a source's archived text: characters (about 20 MB)
MAX_FILE_BYTES = 50_000_000  # a text or HTML file given to `source add`/`edit`: bytes
MAX_QUERY = 1_000  # a search or similar query: characters
MAX_LANGUAGE = 16  # a language code or name ("en", "pt-BR", "English"): characters, as the column holds
MAX_ID = 2**63 - 1  # the largest id (and --limit) a database column holds


def check_length(text: str, what: str, limit: int) -> str:
    """`text` unchanged, or an InvalidInput naming the field, its length and the limit."""
    if len(text) > limit:
        from .errors import InvalidInput

        raise InvalidInput(f"{what} is {len(text):,} characters long: at most {limit:,} are allowed")
    return text
