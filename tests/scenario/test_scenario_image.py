"""``workload.image``: a file is checked and identified by its content when the scenario loads; a
family or architecture that cannot take an image, or an image-to-video architecture without one,
is an error naming the field; a run records the image it was given."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
import yaml
from PIL import Image

from vbench.errors import ScenarioError
from vbench.scenario import expand, load_scenario, validate_document

DOC = {"model": {"family": "wan", "source": "tiny"},
       "workload": {"num_frames": 5, "height": 32, "width": 32, "num_inference_steps": 2},
       "measure": {"warmup": 0, "repeats": 1, "rel_ci": None, "isolation": "inline", "flops": False},
       "reference": {"enabled": False}}


def picture(path, seed=0):
    rng = np.random.default_rng(seed)
    Image.fromarray((rng.random((32, 48, 3)) * 255).astype(np.uint8)).save(path)
    return path


def scenario_file(folder, image, **changes):
    doc = {**DOC, **changes, "workload": {**DOC["workload"], "image": image}}
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def problem(doc, **kw):
    with pytest.raises(ScenarioError) as err:
        expand(validate_document(doc, source="s.yaml", **kw))
    return str(err.value)


def test_a_file_is_resolved_next_to_the_scenario_and_identified_by_its_bytes(tmp_path):
    picture(tmp_path / "a.png")
    (run,) = expand(load_scenario(scenario_file(tmp_path, "a.png")))
    assert run.workload.image == str((tmp_path / "a.png").resolve())
    assert run.workload.image_sha256 == hashlib.sha256((tmp_path / "a.png").read_bytes()).hexdigest()
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.copy(tmp_path / "a.png", moved / "b.png")
    (same,) = expand(load_scenario(scenario_file(moved, "b.png")))
    assert same.run_id == run.run_id  # the same picture elsewhere is the same run
    picture(moved / "b.png", seed=1)
    (other,) = expand(load_scenario(scenario_file(moved, "b.png")))
    assert other.run_id != run.run_id  # another picture is another run
    (generated,) = expand(load_scenario(scenario_file(tmp_path, "generated")))
    (text_only,) = expand(validate_document(DOC, source="s.yaml"))
    assert len({generated.run_id, text_only.run_id, run.run_id}) == 3


def test_a_missing_or_broken_file_names_the_field_and_the_file(tmp_path):
    with pytest.raises(ScenarioError) as err:
        load_scenario(scenario_file(tmp_path, "nowhere.png"))
    said = str(err.value)
    assert "workload.image" in said and "nowhere.png: file not found" in said and "'generated'" in said
    (tmp_path / "notes.png").write_text("not a picture")
    with pytest.raises(ScenarioError) as err:
        load_scenario(scenario_file(tmp_path, "notes.png"))
    assert "not an image file Pillow can read" in str(err.value)
    doc = {**DOC, "workload": {**DOC["workload"], "image": "generated", "image_sha256": "0" * 64}}
    assert "image_sha256" in problem(doc)


def test_families_and_architectures_that_cannot_take_an_image():
    mochi = {**DOC, "model": {"family": "mochi", "source": "tiny"},
             "workload": {**DOC["workload"], "num_frames": 7, "image": "generated"}}
    said = problem(mochi)
    assert "workload.image" in said and "family 'mochi' has no image-to-video pipeline" in said and "ltx" in said
    hunyuan15 = {**mochi, "model": {"family": "hunyuan15", "source": "tiny"},
                 "workload": {**mochi["workload"], "num_frames": 5}}
    said = problem(hunyuan15)  # diffusers has one; vbench does not run it, and says why
    assert "HunyuanVideo15ImageToVideoPipeline" in said and "does not run" in said and "wan" in said
    t2v = {**DOC, "model": {"family": "wan", "source": "arch", "name": "Wan2.1-T2V-1.3B", "text_encoder": "pseudo"},
           "workload": {**DOC["workload"], "image": "generated"}}
    said = problem(t2v)
    assert "Wan2.1-T2V-1.3B generates from text only" in said and "Wan2.1-I2V-14B-480P" in said
    i2v = {**DOC, "model": {"family": "wan", "source": "arch", "name": "Wan2.1-I2V-14B-480P", "text_encoder": "pseudo"}}
    assert "is an image-to-video model: give workload.image" in problem(i2v)
    both = {**t2v, "model": {**t2v["model"], "name": "Wan2.2-TI2V-5B"}}
    assert expand(validate_document(both, source="s.yaml"))  # TI2V takes either
    sweep = {**DOC, "sweep": {"product": {"image": ["generated", "a.png"]}}}
    assert "the conditioning image is not an axis" in problem(sweep)
    own = {**DOC, "workload": {**DOC["workload"], "image": "generated"},
           "reference": {"enabled": True, "workload": {"image": "other.png"}}}
    assert "reference.workload.image" in problem(own) and "own prompt, seed and image" in problem(own)


def test_a_run_records_its_image_and_times_its_encoders(tmp_path):
    from vbench.harness import run_sweep

    picture(tmp_path / "a.png")
    runs = expand(load_scenario(scenario_file(tmp_path, "a.png")))
    (record,) = run_sweep(runs, out_dir=tmp_path / "out").records
    assert record["status"] == "ok", record.get("reason")
    assert record["image"]["source"] == "file" and record["image"]["size"] == [48, 32]
    assert record["image"]["sha256"] == runs[0].workload.image_sha256
    # writer and reader agree: every key written is one the record contract names
    import typing

    from vbench.record import ConditioningImage, Record, StageSummary

    assert "image" in typing.get_type_hints(Record)
    assert set(record["image"]) <= set(typing.get_type_hints(ConditioningImage))
    assert all(set(summary) <= set(typing.get_type_hints(StageSummary)) for summary in record["timing"]["stages"].values())
    stages = record["timing"]["stages"]
    assert stages["image_encode"]["median"] > 0 and "within" not in stages["image_encode"]
    assert stages["vae_encode"]["within"] == "prepare_latents" and stages["vae_encode"]["median"] > 0
    assert stages["vae_encode"]["median"] < stages["prepare_latents"]["median"]


def test_a_saved_tiny_image_to_video_pipeline_loads_as_one(tmp_path):
    from vbench.models import build_pipeline

    build_pipeline({"family": "wan", "source": "tiny"}, image=True).pipe.save_pretrained(tmp_path / "wan-i2v")
    loaded = build_pipeline({"family": "wan", "source": "local", "path": str(tmp_path / "wan-i2v")}, image=True)
    assert type(loaded.pipe).__name__ == "WanImageToVideoPipeline"
    assert loaded.info["text"]["seq_len"] == 16  # recognised as the tiny config: the tiny text length
    from vbench.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match="generates from an image: give workload.image"):
        build_pipeline({"family": "wan", "source": "local", "path": str(tmp_path / "wan-i2v")})
