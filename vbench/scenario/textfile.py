"""Reading a small text file the user named (a scenario, a prompt file) without ever hanging,
reading a huge file whole, or raising: every way it can fail is one message.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
>>> _ = p.write_bytes(b"\\xff")
>>> read_text(p, 100)
(None, 'not UTF-8 text (byte 0)')
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


def read_text(path: Path, max_bytes: int) -> tuple[str | None, str | None]:
    """``(text, None)``, or ``(None, why)``: as :func:`read_bytes`, or not UTF-8."""
    raw, why = read_bytes(path, max_bytes)
    if raw is None:
        return None, why
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (byte {exc.start})"


def read_bytes(path: Path, max_bytes: int) -> tuple[bytes | None, str | None]:
    """``(content, None)``, or ``(None, why)``: missing, not a regular file (a folder, a FIFO, a
    device: never opened, so never blocking), unreadable (permissions, I/O errors), or larger than
    ``max_bytes`` (found from at most ``max_bytes + 1`` bytes read, whatever ``stat`` says)."""
    try:  # opened without blocking (a FIFO swapped in after a check would block), then checked
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, "file not found"
    except IsADirectoryError:
        return None, "is a folder, not a file"
    except (OSError, ValueError) as exc:  # permissions, EIO, a dangling link, a NUL in the name
        return None, f"cannot be read: {getattr(exc, 'strerror', None) or exc}"
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        return None, ("is a folder, not a file" if stat.S_ISDIR(mode)
                      else "not a regular file (a FIFO, socket or device); give a file")
    with os.fdopen(fd, "rb") as fh:
        try:
            raw = fh.read(max_bytes + 1)
        except OSError as exc:
            return None, f"cannot be read: {exc.strerror or exc}"
    if len(raw) > max_bytes:
        return None, f"file is larger than {max_bytes} bytes, the most allowed"
    return raw, None
