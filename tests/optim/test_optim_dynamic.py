"""dynamic: the sensitivity pass, the policy applied per group, saved and reused as a file."""

from __future__ import annotations

import json

import pytest
import torch
from optim_cases import applied, build, frames

from vbench.errors import ScenarioError
from vbench.optim import dynamic, mixed


def _kinds(denoiser, levels):
    """Per group, its level and the first linear weight's class and dtype, outside the layers the
    model keeps in float32 at every level."""
    groups, keep = mixed.groups(denoiser), set(denoiser._keep_in_fp32_modules)
    out = {}
    for name, level in levels.items():
        lin = next((m for n, m in groups[name].named_modules()
                    if isinstance(m, torch.nn.Linear) and not keep & set(n.split("."))), None)
        if lin is not None:
            out[name] = (level, type(lin.weight).__name__, lin.weight.dtype)
    return out


def test_sensitivity_pass_covers_every_group_and_meets_a_tight_budget():
    built = build()
    rec, _ = applied(built, precision="dynamic", dynamic_error_budget=0.001)
    d = rec["dynamic"]
    names = set(mixed.groups(built.denoiser))
    assert {"patch_embedding", "condition_embedder", "blocks.0", "blocks.1", "proj_out"} <= names
    assert set(d["levels"]) == set(d["sensitivity"]) == names
    assert all(set(s) == {"fp32", "bf16", "int8"} for s in d["sensitivity"].values())
    assert d["source"] == "sensitivity pass" and d["measured_error"] <= d["predicted_error"] * 2 + 1e-6
    assert d["predicted_bytes"] <= d["uniform_bf16_bytes"]
    assert set(d["levels"].values()) - {"int8"}  # the tight budget raised some groups
    for name, (level, cls, dtype) in _kinds(built.denoiser, d["levels"]).items():
        assert (level, cls if level == "int8" else dtype) in {("int8", "Int8Tensor"), ("bf16", torch.bfloat16),
                                                            ("fp32", torch.float32)}, name
    assert rec["precision"]["fidelity"]["rel_error_vs_fp32"] == pytest.approx(d["measured_error"], rel=0.2)
    assert torch.isfinite(torch.as_tensor(frames(built))).all()


def test_policy_round_trips_through_a_file(tmp_path):
    rec, _ = applied(build(), precision="dynamic", dynamic_error_budget=0.001)
    path = dynamic.save_policy({"applied": rec}, tmp_path / "policy.json")
    again = build()
    rec2, _ = applied(again, precision="dynamic", dynamic_policy=str(path))
    assert rec2["dynamic"]["levels"] == rec["dynamic"]["levels"]
    assert rec2["dynamic"]["source"].startswith("file:")
    assert rec2["dynamic"]["measured_error"] == pytest.approx(rec["dynamic"]["measured_error"], rel=1e-4)


def test_a_wrong_policy_file_names_the_problem(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"vbench_policy": 1, "levels": {"blocks.0": "int4"}}))
    with pytest.raises(ScenarioError, match="levels.blocks.0.*allowed: int8, bf16, fp32"):
        applied(build(), precision="dynamic", dynamic_policy=str(bad))


@pytest.mark.slow
def test_arch_wan_width_policy_beats_uniform_int8_within_bf16_bytes(capsys):
    """Wan2.1-1.3B width, 2 blocks, on CPU: policy error < uniform int8, bytes <= uniform bf16."""
    from vbench.optim.tensors import module_bytes

    wl = {"prompt": "a fox", "negative_prompt": "", "seed": 0, "num_frames": 9, "height": 128, "width": 128,
          "num_inference_steps": 2, "guidance_scale": 5.0, "num_videos_per_prompt": 1}
    model = {"name": "Wan2.1-T2V-1.3B", "num_layers": 2}
    int8, _ = applied(b := build("wan", "arch", **model), wl, precision="int8-weight-only")
    int8_err, int8_bytes = int8["precision"]["fidelity"]["rel_error_vs_fp32"], module_bytes(b.denoiser)
    del b
    bf16 = build("wan", "arch", **model)
    bf16_bytes = dynamic.uniform_bf16_bytes(bf16.denoiser)
    del bf16
    budget = int8_err / 2
    rec, _ = applied(b := build("wan", "arch", **model), wl, precision="dynamic", dynamic_error_budget=budget)
    d = rec["dynamic"]
    with capsys.disabled():
        print(f"\nuniform int8: err {int8_err:.4g} bytes {int8_bytes}; uniform bf16 bytes {bf16_bytes}; "
              f"dynamic: err {d['measured_error']:.4g} bytes {d['denoiser_bytes']} pass {d['pass_s']:.1f}s "
              f"levels {d['levels']}")
    assert d["measured_error"] < int8_err
    assert d["denoiser_bytes"] <= bf16_bytes


def _policy(tmp_path, denoiser, level, **extra):
    path = tmp_path / f"all-{level}.json"
    path.write_text(json.dumps({"vbench_policy": dynamic.POLICY_FORMAT, **extra,
                                "levels": {name: level for name in mixed.groups(denoiser)}}))
    return str(path)


def test_lowered_groups_keep_the_models_fp32_modules_as_the_uniform_modes_do(tmp_path):
    from vbench.optim.tensors import module_bytes

    int8 = build()
    keep = int8.denoiser._keep_in_fp32_modules
    assert keep  # Wan keeps its time embedder (and norms, tables) in float32
    applied(int8, precision="dynamic", dynamic_policy=_policy(tmp_path, int8.denoiser, "int8"))
    uniform, _ = applied(build(), precision="int8-weight-only")
    kept = sorted(n for n, m in int8.denoiser.named_modules()
                  if isinstance(m, torch.nn.Linear) and type(m.weight).__name__ in ("Parameter", "Tensor"))
    assert kept == uniform["quantize"]["kept_float"] and kept
    from vbench.optim.quantize import quantize_module

    assert quantize_module(build().denoiser, "int8-weight-only", "torchao") == kept  # the layers left in float
    bf16 = build()
    rec, _ = applied(bf16, precision="dynamic", dynamic_policy=_policy(tmp_path, bf16.denoiser, "bf16"))
    cast = build()
    applied(cast, precision="bf16")
    assert {n: p.dtype for n, p in bf16.denoiser.named_parameters()} == \
        {n: p.dtype for n, p in cast.denoiser.named_parameters()}
    assert dynamic.uniform_bf16_bytes(build().denoiser) == module_bytes(cast.denoiser)


def test_a_policy_file_for_another_denoiser_or_not_an_object_names_the_problem(tmp_path):
    built = build()
    other = _policy(tmp_path, built.denoiser, "bf16", denoiser_class="HunyuanVideoTransformer3DModel")
    with pytest.raises(ScenarioError, match="denoiser_class: this run's denoiser is WanTransformer3DModel"):
        applied(built, precision="dynamic", dynamic_policy=other)
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    with pytest.raises(ScenarioError, match="not a vbench policy file"):
        applied(build(), precision="dynamic", dynamic_policy=str(listed))
