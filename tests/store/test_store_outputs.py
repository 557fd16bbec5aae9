"""OutputStore: videos addressed by the sha256 of dtype, shape and bytes, written atomically."""

from __future__ import annotations

import numpy as np
import pytest

from vbench.errors import ResultsError
from vbench.store import OutputStore, outputs_dir, video_hash


def _video(seed: int, shape=(2, 5, 8, 12, 3)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def _files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("shape", [(5, 8, 12, 3), (2, 5, 8, 12, 3), (1, 3, 4, 4, 1)])
def test_put_get_round_trip(tmp_path, shape):
    store = OutputStore(outputs_dir(tmp_path, "quickstart"))
    frames = _video(0, shape)
    sha = store.put(frames)
    assert len(sha) == 64 and store.has(sha)
    assert store.path(sha) == tmp_path / "quickstart" / "outputs" / sha[:2] / f"{sha}.npz"
    got = store.get(sha)
    assert got.dtype == np.uint8 and np.array_equal(got, frames)


def test_same_content_same_hash_and_no_rewrite(tmp_path):
    store = OutputStore(tmp_path)
    frames = _video(1)
    sha = store.put(frames)
    stamp = store.path(sha).stat().st_mtime_ns
    assert store.put(frames.copy()) == sha
    assert store.put(np.asfortranarray(frames)) == sha  # memory order does not matter
    assert store.path(sha).stat().st_mtime_ns == stamp
    assert _files(tmp_path) == [f"{sha[:2]}/{sha}.npz"]


def test_one_pixel_or_the_shape_changes_the_hash(tmp_path):
    store = OutputStore(tmp_path)
    frames = _video(2)
    changed = frames.copy()
    changed[1, 4, 7, 11, 2] ^= 1
    reshaped = frames.reshape(10, 8, 12, 3)
    hashes = {store.put(frames), store.put(changed), store.put(reshaped)}
    assert len(hashes) == 3
    assert video_hash(frames) == video_hash(frames.copy())


def test_atomic_write_leaves_no_temp_files(tmp_path, monkeypatch):
    store = OutputStore(tmp_path)
    shas = [store.put(_video(i)) for i in range(4)]
    assert _files(tmp_path) == sorted(f"{s[:2]}/{s}.npz" for s in shas)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken)
    frames = _video(99)
    with pytest.raises(OSError, match="disk full"):
        store.put(frames)
    assert not store.has(video_hash(frames))
    assert _files(tmp_path) == sorted(f"{s[:2]}/{s}.npz" for s in shas)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.uint16, bool])
def test_rejects_non_uint8(tmp_path, dtype):
    with pytest.raises(TypeError, match="must be uint8"):
        OutputStore(tmp_path).put(np.zeros((2, 4, 4, 3), dtype=dtype))
    assert _files(tmp_path) == []


@pytest.mark.parametrize("shape", [(4, 4, 3), (1, 1, 2, 4, 4, 3)])
def test_rejects_wrong_rank(tmp_path, shape):
    with pytest.raises(ValueError, match=r"\(T, H, W, C\)"):
        OutputStore(tmp_path).put(np.zeros(shape, dtype=np.uint8))


def test_missing_damaged_and_bad_hashes(tmp_path):
    store = OutputStore(tmp_path)
    with pytest.raises(ValueError, match="not a sha256"):
        store.path("../../etc/passwd")
    missing = "0" * 64
    assert not store.has(missing)
    with pytest.raises(ResultsError, match="no stored video"):
        store.get(missing)

    sha = store.put(_video(3))
    store.path(sha).write_bytes(b"not a zip")
    with pytest.raises(ResultsError, match="cannot read"):
        store.get(sha)

    other = store.put(_video(4))
    store.path(sha).write_bytes(store.path(other).read_bytes())  # right format, wrong content
    with pytest.raises(ResultsError, match="does not match its hash"):
        store.get(sha)
    assert store.get(sha, verify=False).shape == (2, 5, 8, 12, 3)
