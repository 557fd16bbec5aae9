"""Hardware profiles: the shipped data validates, device names map to the right card (never to a
near miss), the rates are dense and consistent, prices are overridden by id, bad files name the
file and field, and `vbench hardware` shows them."""

from __future__ import annotations

import json

import pytest

from vbench.cli.main import main
from vbench.errors import ScenarioError
from vbench.hardware import get_profile, load_profiles, match_profile, with_prices

REQUIRED = ("rtx-3090", "rtx-4090", "rtx-5090", "a10g", "l4", "l40s", "a100-40gb", "a100-80gb", "h100-sxm",
            "h200", "b200")


def test_the_shipped_profiles_cover_the_common_cards():
    ids = [p.id for p in load_profiles()]
    assert set(REQUIRED) <= set(ids) and len(ids) == len(set(ids))
    for p in load_profiles():
        assert p.memory_gib > 0 and p.bandwidth_gb_s > 0 and p.tdp_w > 0
    for card in REQUIRED:
        assert get_profile(card).price_usd_per_hour, card  # a typical price to override


@pytest.mark.parametrize(("name", "card"), [
    ("NVIDIA H100 80GB HBM3", "h100-sxm"), ("NVIDIA H100 PCIe", "h100-pcie"), ("NVIDIA H100 NVL", "h100-nvl"),
    ("NVIDIA H200", "h200"), ("NVIDIA H200 NVL", "h200-nvl"), ("NVIDIA GH200 480GB", "h100-sxm"),
    ("NVIDIA B200", "b200"),
    ("NVIDIA A100-SXM4-80GB", "a100-80gb"), ("NVIDIA A100 80GB PCIe", "a100-80gb"),
    ("NVIDIA A100-PCIE-40GB", "a100-40gb"), ("NVIDIA A100-SXM4-40GB", "a100-40gb"),
    ("NVIDIA L40S", "l40s"), ("NVIDIA L40", "l40"), ("NVIDIA L4", "l4"), ("NVIDIA A10", "a10"),
    ("NVIDIA A10G", "a10g"), ("NVIDIA GeForce RTX 5090", "rtx-5090"),
    ("NVIDIA GeForce RTX 4090", "rtx-4090"), ("NVIDIA GeForce RTX 3090", "rtx-3090"),
    ("Tesla V100-SXM2-16GB", "v100-sxm2"), ("Tesla V100-PCIE-32GB", "v100-pcie"), ("Tesla T4", "t4"),
    ("NVIDIA GeForce RTX 4090 D", None), ("NVIDIA GeForce RTX 4090 Laptop GPU", None),
    ("NVIDIA GeForce RTX 3090 Ti", None), ("NVIDIA H800", None), ("AMD Instinct MI300X", None), ("", None),
])
def test_device_names_match_their_card_and_nothing_else(name, card):
    found = match_profile(name)
    assert (found.id if found else None) == card


def test_rates_are_dense_and_consistent():
    for p in load_profiles():
        t = p.tflops
        if t.bf16 and t.tf32:
            assert t.tf32 <= t.bf16, p.id
        if t.fp8 and t.bf16:
            assert t.fp8 == pytest.approx(2 * t.bf16, rel=0.02), p.id
        if t.bf16 and t.fp16:
            assert t.bf16 == t.fp16, p.id
    assert get_profile("h100-sxm").tflops.bf16 == 989.5  # 1,979 with sparsity, halved
    assert get_profile("a10g").tflops.bf16 is None  # no datasheet: unknown, never the A10's
    assert get_profile("a100-80gb").peak_tflops("fp8") is None  # no FP8 on Ampere


def test_prices_are_overridden_by_id_and_unknown_ids_are_refused():
    profiles = with_prices(load_profiles(), {"rtx-4090": 0.45})
    assert next(p for p in profiles if p.id == "rtx-4090").price_usd_per_hour == 0.45
    assert get_profile("rtx-4090").price_usd_per_hour != 0.45  # the shipped data is unchanged
    with pytest.raises(ValueError, match="no hardware profile: rtx-9090; known: .*rtx-4090"):
        with_prices(load_profiles(), {"rtx-9090": 1.0})
    with pytest.raises(KeyError, match="known: .*h100-sxm"):
        get_profile("h1000")


def test_a_bad_profiles_file_names_the_file_and_the_field(tmp_path):
    path = tmp_path / "gpus.yaml"
    path.write_text("version: 1\nprofiles:\n  my-card:\n    name: Mine\n    match: ['(']\n    memory_gib: -4\n"
                    "    bandwidth_gb_s: 100\n    tdp_w: 100\n    tflops: {bf16: 10, fp4: 20}\n")
    with pytest.raises(ScenarioError) as err:
        load_profiles(path)
    text = str(err.value)
    assert f"{path}: profiles.my-card.memory_gib" in text and "greater than 0" in text
    assert "profiles.my-card.match" in text and "not a regular expression" in text
    assert "profiles.my-card.tflops.fp4" in text and "allowed here: fp32, tf32, bf16, fp16, fp8, int8" in text
    path.write_text("version: 1\nprofiles:\n  My Card:\n    name: x\n    match: [x]\n    memory_gib: 1\n"
                    "    bandwidth_gb_s: 1\n    tdp_w: 1\n")
    with pytest.raises(ScenarioError, match="a profile id is lower-case"):
        load_profiles(path)


def test_the_hardware_command_lists_matches_and_prices(capsys):
    assert main(["hardware", "--price", "rtx-4090=0.45"]) == 0
    out = capsys.readouterr().out
    assert "rtx-4090" in out and "0.45 (--price)" in out and "989.5" in out and "3,350 GB/s" in out
    assert main(["hardware", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["version"] == 1 and {p["id"] for p in listed["profiles"]} >= set(REQUIRED)
    assert main(["hardware", "--match", "NVIDIA H100 80GB HBM3"]) == 0
    assert "h100-sxm" in capsys.readouterr().out
    assert main(["hardware", "--price", "rtx-9090=1"]) == 2
    assert "no hardware profile: rtx-9090" in capsys.readouterr().err
    assert main(["hardware", "--price", "rtx-4090=free"]) == 2


def test_a_record_keeps_the_profile_its_gpu_matched():
    from vbench.harness.execute import _match_hardware

    env = {"gpu": {"name": "NVIDIA H100 80GB HBM3"}}
    _match_hardware(env)
    assert env["gpu"]["profile"] == {"id": "h100-sxm", "name": "NVIDIA H100 SXM 80GB", "memory_gib": 80.0,
                                     "bandwidth_gb_s": 3350.0, "bf16_tflops": 989.5, "profiles_version": 1}
    odd = {"gpu": {"name": "NVIDIA H800"}}
    _match_hardware(odd)
    assert odd["gpu"]["profile"] is None and "no hardware profile matches 'NVIDIA H800'" in odd["unavailable"][
        "hardware_profile"]
    cpu = {"gpu": None}
    _match_hardware(cpu)
    assert cpu == {"gpu": None}  # no GPU: its absence is already recorded with the reason
