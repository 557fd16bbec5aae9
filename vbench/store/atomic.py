"""Replacing a file all at once: write a temporary file beside it, fsync, rename over it.

A reader (or a crash) sees either the old file or the new one, never a half-written one. Every
rewrite in the store (migrations, scored sessions, stored videos) goes through here.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: str | os.PathLike[str], content: bytes | Callable[[BinaryIO], None]) -> None:
    """Write ``content`` (bytes, or a function writing to a binary file) to ``path`` atomically.

    An existing file's permission bits are kept.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> atomic_write(p, b"hello"); p.read_bytes()
    b'hello'
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        with os.fdopen(fd, "wb") as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
