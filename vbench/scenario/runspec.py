"""RunSpec: the fully resolved settings of one run, as handed to a worker process."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from vbench.scenario.caches import short_name
from vbench.scenario.schema import Limits, Measure, MetricName, ModelSpec, Optimizations, RunWorkload

_SHORT = {"precision": "", "num_inference_steps": "steps", "num_frames": "f", "height": "h", "width": "w",
          "chunk_frames": "chunk", "attention_backend": "attn", "guidance_scale": "cfg", "cache": "",
          "cache_options": ""}


class RunSpec(BaseModel):
    """One run: which model, which call, which optimizations, how it is measured, and its ids."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str
    run_id: str
    config_id: str
    reference_id: str | None  #: run_id of the run it is compared with; None when it is its own reference
    role: Literal["run", "reference"] = "run"
    model: ModelSpec
    workload: RunWorkload
    optimizations: Optimizations
    measure: Measure
    limits: Limits
    metrics: list[MetricName]
    axes: dict[str, Any] = Field(default_factory=dict)  #: the swept values of this run, by axis path

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data (what crosses a process boundary and goes into records)."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunSpec:
        return cls.model_validate(data)

    def label(self) -> str:
        """A readable id such as ``wan-tiny-bf16-steps4`` (not unique across prompts and seeds)."""
        name = self.model.name
        parts = [self.model.family, f"{name}-tiny" if name and self.model.source == "tiny" else name or self.model.source]
        for path, value in self.axes.items():
            field = path.rsplit(".", 1)[-1]
            if field in ("family", "source", "name"):
                continue
            prefix = _SHORT.get(field, field.replace("_", "-") + "=")
            if isinstance(value, dict):  # cache_options: its settings, compactly
                text = ",".join(f"{short_name(k)}={_compact(v)}" for k, v in value.items()) or "defaults"
            elif isinstance(value, list):
                text = _compact(value)
            else:
                text = {True: "on", False: "off", None: "none"}.get(value, value) \
                    if not isinstance(value, (int, float)) or isinstance(value, bool) else value
            parts.append(f"{prefix}{text}")
        return "-".join(str(p) for p in parts).replace(" ", "")


def _compact(value: Any) -> str:
    """A setting in a label: lists joined by ":", regular expressions as written."""
    if isinstance(value, list):
        return ":".join(_compact(v) for v in value)
    return {True: "on", False: "off", None: "none"}.get(value, value) if isinstance(value, (bool, type(None))) \
        else str(value)
