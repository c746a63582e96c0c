"""The static site's second process, so that the site is made on two cores: it finds the claims'
suggestions (services/suggestions.py: the longest part of the work), block by block in id order
as suggested_dossiers reads them, from its own read of the database, while `factcheck site`
writes every other page. Each block's suggestions are pickled on its output; the site's process
holds at most AHEAD blocks, and the pipe holds the helper back once they are read, so that memory
stays flat.

    python -m factcheck.web.site_helper BLOCK    (the database's URL on its input)
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading
from queue import Full, Queue
from typing import IO, Any

from sqlalchemy.orm import Session

from ..errors import DatabaseProblem

HELPER_FROM = 2_000  # claims from which a site is made by two processes (below, starting one costs more)
AHEAD = 8  # blocks of suggestions the site's process holds before it uses them (a few MB)
Block = tuple[str, Any, Any]  # ("block", claim ids, their suggestions), ("error", message, None) or ("end", None, None)


class Helper:
    """The second process, seen from the site's: `block(ids)` gives the suggestions of the claims
    of the next block, or None once the helper has read another set of claims than this process
    (a claim written between the two reads): from then on this process finds them itself."""

    def __init__(self, session: Session, block: int) -> None:
        url = session.get_bind().engine.url.render_as_string(hide_password=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(block)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(url.encode() + b"\n")  # not among its arguments, which anyone may list
        self.process.stdin.close()
        self.blocks: Queue[Block] = Queue(maxsize=AHEAD)
        self.stopping = threading.Event()
        self.reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self.reader.start()
        self.in_step = True

    def _read(self, output: IO[bytes]) -> None:
        """Move the helper's blocks from its output to `blocks` as room is made there."""
        while not self.stopping.is_set():
            try:
                item: Block = pickle.load(output)
            except (EOFError, pickle.UnpicklingError, OSError):
                item = ("end", None, None)
            while not self.stopping.is_set():
                try:
                    self.blocks.put(item, timeout=0.5)
                    break
                except Full:
                    continue
            if item[0] != "block":
                return

    def block(self, ids: list[int]) -> list[list[dict[str, Any]]] | None:
        if not self.in_step:
            return None
        kind, found, suggested = self.blocks.get()
        if kind == "error":
            raise DatabaseProblem(f"the site's second process failed: {found}")
        if kind != "block":
            raise DatabaseProblem("the site's second process stopped: run `factcheck site` again")
        if found != ids:
            self.close()
        return suggested if self.in_step else None

    def close(self) -> None:
        self.in_step = False
        self.stopping.set()
        self.process.kill()
        self.process.wait()
        self.reader.join()
        assert self.process.stdout is not None
        self.process.stdout.close()


def _help(url: str, output: IO[bytes]) -> None:
    """The second process's work: a ("block", ids, suggestions) for each block, then ("end", None,
    None), or ("error", message, None)."""
    from .. import db
    from ..services.suggestions import suggested_blocks

    try:
        with db.session_scope(url) as session:
            for found, suggested in suggested_blocks(session):
                pickle.dump(("block", [claim.id for claim in found], suggested), output)
                output.flush()
                session.expunge_all()
        pickle.dump(("end", None, None), output)
    except (BrokenPipeError, KeyboardInterrupt):  # the site's process has stopped (and says why)
        return
    except Exception as error:  # said by the site's process, which stops
        pickle.dump(("error", f"{type(error).__name__}: {error}", None), output)
    output.flush()


if __name__ == "__main__":
    from ..services import suggestions

    suggestions.BLOCK = int(sys.argv[1])
    _help(sys.stdin.readline().rstrip("\n"), sys.stdout.buffer)
