"""The static site's second process, so that the site is made on two cores: it finds the claims'
suggestions (services/suggestions.py: the longest part of the work), block by block in id order as
suggested_dossiers reads them, from its own read of the database, while `factcheck site` writes
every other page. Each block's suggestions are pickled on its output; the site's process holds at
most AHEAD blocks, and the pipe holds the helper back once they are read, so that memory stays flat.
When the helper's next block is not ready, the site's process takes a block from the other end and
finds its suggestions itself, so that neither waits on the other. Whatever goes wrong in the helper
(it stops, fails, or reads other claims), the site's process finds the rest of the suggestions
itself: the site is the same.

    python -m factcheck.web.site_helper BLOCK    (the database's URL on its input)
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
from contextlib import suppress
from queue import Empty, Full, Queue
from typing import IO, Any

from sqlalchemy.orm import Session

HELPER_FROM = 2_000  # claims from which a site is made by two processes (below, starting one costs more)
# Blocks of suggestions the site's process holds, pickled, before it uses them (at most 0.4 MB
# each): enough for the helper to work on while the site's process writes the other pages first.
AHEAD = 64
LARGEST = 1 << 24  # bytes a block may take (16 MB): a length beyond is not a block's, but something else written
Block = tuple[list[int], list[list[dict[str, Any]]]]  # a block's claim ids and suggestions


class Helper:
    """The second process, seen from the site's: `block(ids)` gives the suggestions of the claims
    of the next block, or None once the helper is out of step: it read another set of claims than
    this process (a claim written between the two reads), or it stopped or failed; from then on
    this process finds them itself."""

    def __init__(self, session: Session, block: int) -> None:
        self.in_step = False
        self.process = subprocess.Popen(
            # -P: nothing imported from the folder it is run in; a session of its own: Ctrl-C is
            # for the site's process, which stops it.
            [sys.executable, "-P", "-m", __name__, str(block)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.blocks: Queue[bytes | None] = Queue(maxsize=AHEAD)  # None: no more
        self.stopping = threading.Event()
        self.reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self.reader.start()
        try:  # the URL as the session was opened with it, not among its arguments, which anyone may list
            self.process.stdin.write(session.info["url"].encode() + b"\n")
            self.process.stdin.close()
        except OSError:  # it has stopped already: this process does the work
            self.close()
            return
        self.in_step = True

    def _read(self, output: IO[bytes]) -> None:
        """Move the helper's blocks from its output to `blocks` as room is made there."""
        while not self.stopping.is_set():
            size = int.from_bytes(output.read(8), "little")
            item = output.read(size) if 0 < size <= LARGEST else None
            if item is not None and len(item) < size:  # its end, or anything but its blocks on its output
                item = None
            while not self.stopping.is_set():
                try:
                    self.blocks.put(item, timeout=0.5)
                    break
                except Full:
                    continue
            if item is None:
                return

    def ready(self) -> bool:
        """Whether `block` answers at once: the next block is here, or the helper is out of step or has ended."""
        return not self.in_step or not self.blocks.empty() or not self.reader.is_alive()

    def block(self, ids: list[int]) -> list[list[dict[str, Any]]] | None:
        if not self.in_step:
            return None
        item: Block | None = None
        while self.reader.is_alive() or not self.blocks.empty():
            try:
                pickled = self.blocks.get(timeout=1.0)
                item = _unpickled(pickled) if pickled is not None else None
                break
            except Empty:
                continue
        if item is None or item[0] != ids:  # it ended early or failed, or it read other claims
            self.close()
            return None
        return item[1]

    def close(self) -> None:
        self.in_step = False
        self.stopping.set()
        if self.process.returncode is None:  # not reaped yet: its session's id is still its own
            # Its whole session: anything it started would hold its output open, and the reader waiting.
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.reader.join()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


def _unpickled(pickled: bytes) -> Block | None:
    """A block as the helper pickled it; None if these bytes are not one."""
    try:
        item = pickle.loads(pickled)
    except Exception:
        return None
    return item if isinstance(item, tuple) and len(item) == 2 else None


def _help(url: str, output: IO[bytes]) -> None:
    """The second process's work: (claim ids, suggestions) of each block on `output`, until the
    last or a failure (the site's process then goes on alone)."""
    from .. import db
    from ..services.suggestions import suggested_blocks
    from ..services.vectors import one_blas_thread

    try:
        with one_blas_thread(), db.session_scope(url) as session:
            for found, suggested in suggested_blocks(session):
                pickled = pickle.dumps(([claim.id for claim in found], suggested))
                output.write(len(pickled).to_bytes(8, "little") + pickled)
                output.flush()
                session.expunge_all()
    except Exception:  # BrokenPipeError: the site's process has stopped; else it goes on alone
        return


if __name__ == "__main__":
    from ..services import suggestions

    suggestions.BLOCK = int(sys.argv[1])
    _help(sys.stdin.readline().rstrip("\n"), sys.stdout.buffer)
