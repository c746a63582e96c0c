"""Reading saved articles: plain text files, and HTML pages saved from a browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInput


@dataclass
class Article:
    """An article's main text and the metadata its page carries (any of which may be missing)."""

    text: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_on: str | None = None
    publisher: str | None = None
    url: str | None = None
    language: str | None = None


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"no file {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder, not a file") from None
    except OSError as error:
        raise InvalidInput(f"cannot read {path}: {error.strerror}") from None
    if b"\x00" in data[:8192]:
        raise InvalidInput(f"{path} is a binary file, not text: give a UTF-8 text or HTML file")
    return data


def read_text_file(path: Path) -> str:
    """A UTF-8 text file's content (a byte-order mark is dropped)."""
    data = _read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"{path} is not UTF-8 text (byte {error.start} cannot be read): convert it to UTF-8 first"
        ) from None
    if not text.strip():
        raise InvalidInput(f"{path} is empty")
    return text


def read_html_file(path: Path) -> Article:
    """The main text of a saved web page, without navigation, related links or comments, and
    the metadata the page carries, extracted with trafilatura."""
    import trafilatura

    html = _read_bytes(path).decode("utf-8", errors="replace")
    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
    )
    if document is None or not (document.text or "").strip():
        raise InvalidInput(f"found no article text in {path}: is it a saved web page?")
    authors = [name.strip() for name in (document.author or "").split(";") if name.strip()]
    return Article(
        text=document.text,
        title=document.title,
        authors=authors,
        published_on=document.date,
        publisher=document.sitename,
        url=document.url,
        language=document.language,
    )
