"""One lock per session file, held by every writer for each append and by every rewriter for its
read-merge-rename, so no record can be lost to a concurrent writer.

The hazard it closes: a rewrite (``vbench score``, ``results migrate``) renames a new file over the
session file; a writer that kept the old file open goes on appending to the old inode, and those
records vanish. Under the lock a writer opens the session *path* afresh for each record, so it
always appends to the file that is there now, and a rewrite re-reads the file under the lock, so
every line appended before it got the lock is carried over. Two ``vbench run`` into one session
both land completely.

The lock is ``fcntl.flock`` on a hidden sidecar ``.<session>.jsonl.lock`` beside the file (never a
``*.jsonl``, so readers do not see it); the kernel drops it when its holder dies, so a killed writer
never leaves a session locked. Locks are advisory: an editor writing the file bypasses them, and
on a network file system mounted without lock support (NFS ``nolock``) ``flock`` is local to each
machine: keep one session per machine there (the default: every run gets a new session).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def lock_path(path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def session_lock(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the exclusive lock of the session file ``path`` (waits for the current holder).

    The sidecar is opened read-only where it belongs to another user (``flock`` needs no write
    access), and re-checked after locking: if it was removed or replaced meanwhile, the lock is
    taken again on the file now at its path, so two holders never lock different inodes.
    """
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        except PermissionError:
            fd = os.open(lock, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                same = os.stat(lock).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)  # releases the lock
