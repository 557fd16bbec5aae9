"""GPU hardware profiles: the data in ``gpus.yaml``, validated, matched to device names, priced.

A profile holds what a plan or a projection needs about a card: its memory, its dense tensor
throughput per dtype, its memory bandwidth, its board power and a typical hourly price, each with
its source in the data file. A run's device is matched to a profile by the name torch reports
(:func:`match_profile`); a price is overridden by ``--price ID=USD`` (:func:`with_prices`).
Nothing here imports torch.

>>> match_profile("NVIDIA H100 80GB HBM3").id, match_profile("NVIDIA GeForce RTX 4090").memory_gib
('h100-sxm', 24.0)
>>> match_profile("NVIDIA GeForce RTX 4090 D") is None  # a different card: never a near guess
True
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vbench.errors import Problem, ScenarioError
from vbench.errors_format import problems_from

#: The profiles shipped with vbench.
PROFILES_FILE = Path(__file__).with_name("gpus.yaml")
#: Dtype keys of :class:`Throughput`, as :mod:`vbench.measure.datasheet` names a run's dtype.
DTYPES = ("fp32", "tf32", "bf16", "fp16", "fp8", "int8")


class Throughput(BaseModel):
    """Dense TFLOP/s (TOPS for int8) per dtype; a dtype left out is unknown."""

    model_config = ConfigDict(extra="forbid")
    fp32: float | None = Field(None, gt=0, le=1e6)
    tf32: float | None = Field(None, gt=0, le=1e6)
    bf16: float | None = Field(None, gt=0, le=1e6)
    fp16: float | None = Field(None, gt=0, le=1e6)
    fp8: float | None = Field(None, gt=0, le=1e6)
    int8: float | None = Field(None, gt=0, le=1e6)


class Profile(BaseModel):
    """One GPU. ``id`` is its key in the data file (``rtx-4090``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = ""
    name: str = Field(min_length=1)
    match: list[str] = Field(min_length=1)  #: regular expressions on the lower-cased device name
    memory_gib: float = Field(gt=0, le=1e5)
    bandwidth_gb_s: float = Field(gt=0, le=1e6)
    tdp_w: float = Field(gt=0, le=1e5)
    tflops: Throughput = Field(default_factory=Throughput)
    price_usd_per_hour: float | None = Field(None, gt=0, le=1e4)

    @field_validator("match")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a regular expression ({exc}): {pattern!r}") from None
        return value

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_gib * 2**30)

    def peak_tflops(self, dtype: str) -> float | None:
        """Dense peak TFLOP/s for a dtype key (:data:`DTYPES`); None when unknown."""
        return getattr(self.tflops, dtype, None) if dtype in DTYPES else None

    def summary(self) -> dict[str, Any]:
        """What a record keeps of the profile it was matched to."""
        return {"id": self.id, "name": self.name, "memory_gib": self.memory_gib,
                "bandwidth_gb_s": self.bandwidth_gb_s, "bf16_tflops": self.tflops.bf16}


class _ProfilesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    profiles: dict[str, Profile] = Field(min_length=1)

    @field_validator("profiles")
    @classmethod
    def _ids(cls, value: dict[str, Profile]) -> dict[str, Profile]:
        for key in value:
            if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*", key):
                raise ValueError(f"{key}: a profile id is lower-case letters, digits, '.' and '-' (rtx-4090)")
        return value


@functools.lru_cache(maxsize=8)
def _load(path: str) -> tuple[int, tuple[Profile, ...]]:
    source = Path(path)
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(path, [Problem("", f"cannot be read: {exc.strerror or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(path, [Problem("", f"is not valid YAML: {exc}")]) from None
    if not isinstance(document, dict):
        raise ScenarioError(path, [Problem("", "must be a mapping with 'version' and 'profiles'",
                                           type(document).__name__, True)])
    try:
        parsed = _ProfilesFile.model_validate(document)
    except ValidationError as exc:
        raise ScenarioError(path, problems_from(exc, _ProfilesFile)) from None
    profiles = tuple(p.model_copy(update={"id": key}) for key, p in parsed.profiles.items())
    return parsed.version, profiles


def load_profiles(path: str | Path | None = None) -> list[Profile]:
    """Every profile of the data file (default: the shipped :data:`PROFILES_FILE`), in file order.

    Raises:
        ScenarioError: the file cannot be read, or a field is wrong (naming the file and field).
    """
    return list(_load(str(path or PROFILES_FILE))[1])


def profiles_version(path: str | Path | None = None) -> int:
    return _load(str(path or PROFILES_FILE))[0]


def get_profile(profile_id: str, path: str | Path | None = None) -> Profile:
    """The profile with this id.

    Raises:
        KeyError: no such profile; the message lists the known ids.
    """
    for profile in load_profiles(path):
        if profile.id == profile_id:
            return profile
    ids = [p.id for p in load_profiles(path)]
    near = [i for i in ids if profile_id and (profile_id in i or i in profile_id)]
    hint = f" (did you mean {' or '.join(near)}?)" if near else ""
    raise KeyError(f"no hardware profile {profile_id!r}{hint}; known: {', '.join(ids)}")


def match_profile(device_name: str | None, path: str | Path | None = None) -> Profile | None:
    """The profile of a device as torch names it, or None when no profile matches."""
    if not device_name:
        return None
    name = re.sub(r"\s+", " ", device_name.strip().lower())
    for profile in load_profiles(path):
        if any(re.search(pattern, name) for pattern in profile.match):
            return profile
    return None


def with_prices(profiles: list[Profile], prices: dict[str, float]) -> list[Profile]:
    """``profiles`` with hourly prices overridden by ``{id: USD}`` (``--price rtx-4090=0.45``).

    Raises:
        ValueError: a price names no profile (the message lists the known ids).
    """
    ids = {p.id for p in profiles}
    unknown = sorted(set(prices) - ids)
    if unknown:
        raise ValueError(f"--price names no hardware profile: {', '.join(unknown)}; known: {', '.join(sorted(ids))}")
    return [p.model_copy(update={"price_usd_per_hour": prices[p.id]}) if p.id in prices else p for p in profiles]
