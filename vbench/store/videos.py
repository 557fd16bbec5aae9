"""Content-addressed storage of generated videos, beside the records that reference them.

A video is a uint8 array shaped ``(T, H, W, C)`` or ``(N, T, H, W, C)``. Its address is the
sha256 of its dtype, shape and bytes; it is stored compressed as ``<root>/<sha[:2]>/<sha>.npz``.
Records hold only the hash, so identical videos (e.g. a run and its repeat) are stored once.

>>> import tempfile
>>> store = OutputStore(tempfile.mkdtemp())
>>> sha = store.put(np.zeros((2, 4, 4, 3), np.uint8))
>>> store.get(sha).shape
(2, 4, 4, 3)
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np

from vbench.errors import ResultsError
from vbench.store.atomic import atomic_write

_SHA = re.compile(r"[0-9a-f]{64}")
_KEY = "frames"


def video_hash(frames: np.ndarray) -> str:
    """The sha256 hex digest of a video's dtype, shape and C-ordered bytes."""
    frames = np.ascontiguousarray(frames)
    digest = hashlib.sha256(f"{frames.dtype.str}|{frames.shape}|".encode())
    digest.update(frames.reshape(-1).view(np.uint8))
    return digest.hexdigest()


class OutputStore:
    """Videos stored by content hash under ``root`` (usually ``<out_dir>/<scenario>/outputs``).

    Args:
        root: the folder; created on the first :meth:`put`.
    """

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        """Where the video with hash ``sha`` is (or would be) stored."""
        if not isinstance(sha, str) or not _SHA.fullmatch(sha):
            raise ValueError(f"{sha!r} is not a sha256 hex digest (64 lowercase hex digits)")
        return self.root / sha[:2] / f"{sha}.npz"

    def has(self, sha: str) -> bool:
        """Whether the video with hash ``sha`` is stored."""
        return self.path(sha).is_file()

    def put(self, frames: np.ndarray) -> str:
        """Store a video and return its hash; storing one already there writes nothing.

        The file is written to a temporary name in the same folder and renamed into place, so a
        reader never sees half a video.

        Raises:
            TypeError: the frames are not uint8.
            ValueError: the frames are not 4-d ``(T, H, W, C)`` or 5-d ``(N, T, H, W, C)``.
        """
        frames = np.asarray(frames)
        if frames.dtype != np.uint8:
            raise TypeError(f"video frames must be uint8 in [0, 255], got {frames.dtype}; convert "
                            "[0, 1] floats with (x.clip(0, 1) * 255).round().astype(np.uint8)")
        if frames.ndim not in (4, 5):
            raise ValueError(f"video frames must be shaped (T, H, W, C) or (N, T, H, W, C), "
                             f"got shape {frames.shape}")
        sha = video_hash(frames)
        target = self.path(sha)
        if target.is_file():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, lambda fh: np.savez_compressed(fh, **{_KEY: np.ascontiguousarray(frames)}))
        return sha

    def get(self, sha: str, *, verify: bool = True) -> np.ndarray:
        """Load the video with hash ``sha``.

        Args:
            sha: its hash, as returned by :meth:`put`.
            verify: recompute the hash and fail if the stored content differs.

        Raises:
            ResultsError: the video is not stored, cannot be read or does not match its hash.
        """
        path = self.path(sha)
        if not path.is_file():
            raise ResultsError(f"{path}: no stored video with hash {sha} under {self.root}")
        try:
            with np.load(path, allow_pickle=False) as data:
                frames = data[_KEY]
        except Exception as exc:  # a damaged zip or npy raises one of many types
            raise ResultsError(f"{path}: cannot read the stored video: {exc}") from exc
        if verify and video_hash(frames) != sha:
            raise ResultsError(f"{path}: stored video does not match its hash; the file is damaged")
        return frames
