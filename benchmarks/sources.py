"""Sources as they come: PDF text against poppler's pdftotext, quotes on the right page, a fetched
page against the same page saved, and the memory of adding a large PDF.

    python benchmarks/sources.py [--pdf FILE ...] [--runs 5]

1. Extraction time: factcheck's reader (pypdfium2, with its checks) against `pdftotext` on the
   same file, interleaved, median of --runs, for generated PDFs of 10, 100 and 500 pages and for
   each --pdf given (default: the pdfTeX manuals Debian ships, where present).
2. Quotes on the right page: runs of 6 to 14 words taken from pdftotext's text of each page (a
   run found on more than one page is left out as ambiguous), anchored in factcheck's text and
   placed by its page layout: found on the right page, on a wrong one, or not found.
3. Capture: `source add --url URL --fetch` of a 1 MB page served on 127.0.0.1 against
   `source add --html-file` of the same page, each a fresh process, interleaved.
4. Memory: peak RSS of `source add --pdf-file` of a 50 MB PDF (text pages and images)."""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from factcheck.services.captures import position  # noqa: E402
from factcheck.services.pdfs import read_pdf_file  # noqa: E402
from factcheck.services.quotes import anchor_quote  # noqa: E402
from tests.pdfmaker import Page, book, write_pdf  # noqa: E402

SHIPPED = [
    Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
    Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"),
]
FACTCHECK = str(Path(sys.executable).parent / "factcheck")


def pdftotext_pages(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    pages = out.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def timed(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - start


def extraction(path: Path, runs: int) -> tuple[float, float]:
    ours, floor = [], []
    for _ in range(runs):  # interleaved: a busy moment costs both alike
        ours.append(timed(lambda: read_pdf_file(path)))
        floor.append(timed(lambda: pdftotext_pages(path)))
    return statistics.median(ours), statistics.median(floor)


def quotes_on_pages(path: Path, per_page: int = 20) -> tuple[int, int, int, int]:
    """(right page, wrong page, not found, left out as ambiguous) for quotes from pdftotext's pages."""
    rng = random.Random(7)
    article = read_pdf_file(path)
    theirs = pdftotext_pages(path)
    flat = [" ".join(page.split()) for page in theirs]
    right = wrong = missing = ambiguous = 0
    for number, page in enumerate(flat, 1):
        words = page.split()
        if len(words) < 14:
            continue
        for _ in range(per_page):
            size = rng.randint(6, 14)
            start = rng.randrange(0, len(words) - size)
            quote = " ".join(words[start : start + size])
            if sum(quote in other for other in flat) > 1:
                ambiguous += 1
                continue
            anchor = anchor_quote(article.text, quote)
            if anchor.start is None:
                missing += 1
            elif position(article.layout, anchor.start)["page"] == number:
                right += 1
            else:
                wrong += 1
    return right, wrong, missing, ambiguous


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one fresh process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    assert child.stderr is not None
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {child.stderr.read().decode()}")
    child.stderr.close()
    return seconds, usage.ru_maxrss / 1024


def capture(folder: Path, runs: int) -> tuple[float, float]:
    paragraph = "<p>" + " ".join(
        random.Random(3).choice(["NATO", "inch", "eastward", "Baker", "said"]) for _ in range(200)
    )
    page = folder / "page.html"
    page.write_text("<html><head><title>A long page</title></head><body><article>" + (paragraph + "</p>\n") * 1200)
    assert page.stat().st_size > 1_000_000

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/page.html"
    fetched, saved = [], []
    try:
        for index in range(runs):
            env = {**os.environ, "FACTCHECK_DB": str(folder / f"capture-{index}.db")}
            subprocess.run([FACTCHECK, "db", "upgrade"], env=env, check=True, capture_output=True)
            fetched.append(run([FACTCHECK, "source", "add", "--url", url, "--fetch", "--allow-private"], env)[0])
            saved.append(run([FACTCHECK, "source", "add", "--html-file", str(page), "--slug", "saved"], env)[0])
    finally:
        server.shutdown()
    return statistics.median(fetched), statistics.median(saved)


def big_pdf(path: Path, megabytes: int) -> Path:
    """Text pages with an uncompressed image each (a scan's weight), to `megabytes` in all."""
    pages = book(200, lines=40)
    for page in pages:
        page.image = (megabytes * 1_000_000) // len(pages)
    write_pdf(path, pages)
    return path


def memory(folder: Path) -> tuple[float, float, float]:
    path = big_pdf(folder / "big.pdf", 50)
    env = {**os.environ, "FACTCHECK_DB": str(folder / "memory.db")}
    subprocess.run([FACTCHECK, "db", "upgrade"], env=env, check=True, capture_output=True)
    seconds, peak = run([FACTCHECK, "source", "add", "A large PDF", "--pdf-file", str(path), "--slug", "big"], env)
    return path.stat().st_size / 1e6, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdf", type=Path, action="append", help="a real PDF to measure (repeatable)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("pdftotext") is None:
        raise SystemExit("pdftotext is the floor: install poppler-utils")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        two_columns = [
            Page(
                [(f"left {i} " + "word " * 8, 0) for i in range(30)]
                + [(f"right {i} " + "term " * 8, 1) for i in range(30)]
            )
        ]
        made = {
            f"generated, {n} pages": write_pdf(
                folder / f"book-{n}.pdf", book(n) + two_columns, labels=[(0, "r", 1), (4, "D", 1)]
            )
            for n in (10, 100, 500)
        }
        real = {path.name: path for path in (args.pdf or [p for p in SHIPPED if p.exists()])}
        print("PDF text extraction (median of interleaved runs)")
        print(f"{'file':<42} {'pages':>6} {'factcheck':>10} {'pdftotext':>10} {'ratio':>6}")
        for name, path in {**made, **real}.items():
            pages = len(pdftotext_pages(path))
            ours, floor = extraction(path, args.runs)
            print(f"{name:<42} {pages:>6} {ours:>9.3f}s {floor:>9.3f}s {ours / floor:>5.2f}x")
        print("\nQuotes from pdftotext's pages, placed by factcheck")
        print(f"{'file':<42} {'right page':>10} {'wrong':>6} {'missing':>8} {'ambiguous':>10} {'right %':>8}")
        for name, path in {**made, **real}.items():
            right, wrong, missing, ambiguous = quotes_on_pages(path)
            share = 100 * right / max(1, right + wrong + missing)
            print(f"{name:<42} {right:>10} {wrong:>6} {missing:>8} {ambiguous:>10} {share:>7.1f}%")
        fetched, saved = capture(folder, args.runs)
        print("\nA 1 MB page, each a fresh process (median)")
        print(f"source add --url --fetch: {fetched:.2f} s; source add --html-file: {saved:.2f} s")
        size, seconds, peak = memory(folder)
        print(f"\nsource add --pdf-file of a {size:.0f} MB PDF: {seconds:.1f} s, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
