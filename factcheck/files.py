"""Writing output files so that none is ever passed off as complete when it is not: each file is
written under a temporary name beside it and renamed into place only once it is whole. An
interrupted run (Ctrl-C, kill, a full disk) leaves the old file, or none, and no truncated one."""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from .errors import InvalidInput


@contextmanager
def atomic_output(path: Path, *, newline: str | None = None) -> Iterator[TextIO]:
    """A text file to write `path` through: renamed into place when the block ends without error,
    removed otherwise. A symbolic link is followed (its target is replaced, the link kept); what is
    not a regular file (a pipe, /dev/stdout, a process substitution) is written straight through."""
    path = Path(os.path.realpath(path))
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        try:
            with path.open("w", encoding="utf-8", newline=newline) as out:
                yield out
        except OSError as error:
            raise cannot_write(path, error) from None
        return
    # The name is chosen before the file is made, and made inside the block that removes it: an
    # interrupt (Ctrl-C) arriving just after the file exists still finds it to remove.
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.partial"
    try:
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise cannot_write(path, error) from None
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as out:
            yield out
        if path.exists():  # keep the permissions the file had
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        else:
            os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise cannot_write(path, error) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cannot_write(path: Path, error: OSError) -> InvalidInput:
    """One line for a failed write: a full disk is named as such, and nothing half-written is left."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return InvalidInput(
            f"no space left on the disk to write {path}: nothing was written; free some space and retry"
        )
    return InvalidInput(f"cannot write {error.filename or path}: {error.strerror or error}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` as `atomic_output` writes text: whole, or not at all."""
    with atomic_output(path, newline="") as out:
        out.flush()
        out.buffer.write(data)
