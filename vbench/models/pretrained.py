"""The ``hub`` and ``local`` sources: real weights through ``DiffusionPipeline.from_pretrained``.

Nothing is fetched silently when the Hub cannot be reached: with ``HF_HUB_OFFLINE`` set, a model
missing from the local cache is an :class:`UnsupportedError` naming the id, the revision and the
fix, raised before diffusers tries anything; online, the Hub's connection and lookup errors are
turned into the same one-sentence error.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from vbench.errors import UnsupportedError

_TRUE = {"1", "on", "yes", "true"}


def hub_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` is set (read now, not at huggingface_hub's import)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE) or os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _TRUE


def _hub_errors() -> tuple[type[BaseException], ...]:
    from huggingface_hub.errors import HFValidationError

    return (OSError, HFValidationError)


def _fix(name: str, revision: str | None) -> str:
    rev = f" --revision {revision}" if revision else ""
    return (f"download it first where the Hub is reachable (`hf download {name}{rev}`) or save it "
            f"with `save_pretrained` and use `source: local` with its `path`")


def _loader(pipeline_class: str | None) -> Any:
    """The class whose ``from_pretrained`` loads the files: a named diffusers pipeline, else
    ``DiffusionPipeline`` (the class ``model_index.json`` names)."""
    import diffusers

    return getattr(diffusers, pipeline_class) if pipeline_class else diffusers.DiffusionPipeline


def load_hub(model: dict[str, Any], *, dtype: Any, quantization: Any = None, pipeline_class: str | None = None) -> Any:
    """``DiffusionPipeline.from_pretrained(name, revision=...)`` with a clear error when it cannot load."""
    loader = _loader(pipeline_class)

    name, revision = model.get("name"), model.get("revision")
    if not name:
        raise UnsupportedError("source 'hub' needs model.name (a Hugging Face model id)")
    where = f"Hugging Face model {name!r} at revision {revision or 'main'!r}"
    offline = hub_offline()
    cached = _cached(name, revision)
    if offline and not cached:
        raise UnsupportedError(
            f"{where} is not in the local cache and HF_HUB_OFFLINE is set; {_fix(name, revision)}")
    try:
        return loader.from_pretrained(
            name, revision=revision, local_files_only=offline, **_dtype_kwarg(dtype), **_quant_kwarg(quantization))
    except _hub_errors() as exc:
        what = "could not be loaded" if cached else "is not in the local cache and could not be downloaded"
        raise UnsupportedError(
            f"{where} {what} ({type(exc).__name__}: {_short(exc)}); {_fix(name, revision)}") from None


def _cached(name: str, revision: str | None) -> bool:
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(name, revision=revision, local_files_only=True)
    except _hub_errors():
        return False
    return True


def _read_config(model: dict[str, Any], sub: str) -> dict[str, Any]:
    """``<sub>/config.json`` of a local directory or a hub model (from the cache when offline)."""
    return _read_json(model, f"{sub}/config.json")


def _read_json(model: dict[str, Any], filename: str) -> dict[str, Any]:
    """A JSON file of a local directory or a hub model (from the cache when offline)."""
    if model.get("source") == "local":
        return json.loads((Path(str(model.get("path"))) / filename).read_text())
    from huggingface_hub import hf_hub_download

    path = hf_hub_download(model["name"], filename, revision=model.get("revision"), local_files_only=hub_offline())
    return json.loads(Path(path).read_text())


def _short(exc: BaseException, limit: int = 120) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_local(model: dict[str, Any], *, dtype: Any, quantization: Any = None,
               pipeline_class: str | None = None) -> Any:
    """``DiffusionPipeline.from_pretrained(path)``; components listed but absent on disk load as None."""
    loader = _loader(pipeline_class)

    path = Path(str(model.get("path") or ""))
    index = path / "model_index.json"
    if not model.get("path") or not index.is_file():
        raise UnsupportedError(
            f"local model directory {str(path)!r} has no model_index.json; point model.path at a "
            f"directory written by `pipeline.save_pretrained(...)`")
    listed = json.loads(index.read_text())
    # Saved without a component ([null, null]) or its folder removed: load it as None.
    absent = {key: None for key, value in listed.items()
              if not key.startswith("_") and isinstance(value, list)
              and (value[0] is None or not (path / key).exists())}
    return loader.from_pretrained(str(path), **_dtype_kwarg(dtype), **_quant_kwarg(quantization), **absent)


def _quant_kwarg(quantization: Any) -> dict[str, Any]:
    """``{"quantization_config": ...}`` when the weights are to load quantized."""
    return {} if quantization is None else {"quantization_config": quantization}


def _dtype_kwarg(dtype: Any) -> dict[str, Any]:
    """``{"dtype": ...}`` where diffusers takes it, else the older ``{"torch_dtype": ...}``."""
    try:
        from diffusers.utils.deprecation_utils import _resolve_dtype  # noqa: F401 (present from 0.42)
    except ImportError:
        return {"torch_dtype": dtype}
    return {"dtype": dtype}


def pipeline_family(pipe: Any) -> str:
    """The vbench family of a loaded pipeline, from its class name: ``generic`` for any other
    diffusers pipeline (:mod:`vbench.models.generic`).

    Raises:
        UnsupportedError: ``pipe`` is no ``diffusers.DiffusionPipeline``.
    """
    from diffusers import DiffusionPipeline

    from vbench.scenario.families import GENERIC, family_of_pipeline

    family = family_of_pipeline(type(pipe).__name__)
    if family is not None:
        return family
    if isinstance(pipe, DiffusionPipeline):
        return GENERIC
    raise UnsupportedError(f"{type(pipe).__name__} is not a diffusers pipeline (a DiffusionPipeline): vbench "
                           "measures those")


def config_counts(model: dict[str, Any], family: str) -> dict[str, int]:
    """Parameter counts of a hub/local model from its component configs, built on the meta device."""
    import diffusers
    from accelerate import init_empty_weights

    from vbench.models.materialize import count_parameters
    from vbench.models.specs import spec

    local = model.get("source") == "local"
    location = str(model.get("path")) if local else model.get("name")
    counts = {}
    attr = spec(family).denoiser_attr
    for key, sub in (("denoiser", attr), ("vae", "vae")):
        try:
            if key == "denoiser" and family == "generic":  # the one model_index.json lists: transformer, else unet
                listed = _read_json(model, "model_index.json")
                sub = next((a for a in ("transformer", "unet") if (listed.get(a) or [None])[0]), attr)
            config = _read_config(model, sub)
        except (*_hub_errors(), json.JSONDecodeError) as exc:
            raise UnsupportedError(
                f"cannot read the {sub} config of {location!r} ({_short(exc)})") from None
        with init_empty_weights():
            module = getattr(diffusers, config["_class_name"]).from_config(config)
        counts[key] = count_parameters(module)
    return counts
