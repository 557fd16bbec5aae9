"""`family: auto` (or no family) of a local or hub model is read from its model_index.json."""

from __future__ import annotations

import json

import pytest

from vbench.errors import ScenarioError
from vbench.scenario import expand, validate_document

DOC = {"workload": {"num_frames": 9, "height": 32, "width": 32, "num_inference_steps": 2},
       "measure": {"warmup": 0, "repeats": 1, "rel_ci": None, "isolation": "inline", "flops": False},
       "reference": {"enabled": False}}


@pytest.fixture(scope="module")
def saved_ltx(tmp_path_factory):
    from vbench.models import build_pipeline

    folder = tmp_path_factory.mktemp("ltx")
    build_pipeline({"family": "ltx", "source": "tiny"}).pipe.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("family", [{"family": "auto"}, {}])
def test_the_family_comes_from_the_pipeline_class(saved_ltx, family):
    scenario = validate_document({**DOC, "model": {"source": "local", "path": str(saved_ltx), **family}},
                                 source="s.yaml")
    assert scenario.model.family == "ltx"
    (run,) = expand(scenario)
    named = expand(validate_document({**DOC, "model": {"source": "local", "path": str(saved_ltx),
                                                        "family": "ltx"}}, source="s.yaml"))[0]
    assert run.run_id == named.run_id  # the same run as when the family is written out


def test_a_run_of_an_auto_family_measures_the_saved_model(saved_ltx, tmp_path):
    from vbench.harness import run_sweep

    runs = expand(validate_document({**DOC, "model": {"source": "local", "path": str(saved_ltx)}}, source="s.yaml"))
    (record,) = run_sweep(runs, out_dir=tmp_path).records
    assert record["status"] == "ok" and record["spec"]["model"]["family"] == "ltx"


def test_what_cannot_be_read_says_why(tmp_path):
    def problem(model):
        with pytest.raises(ScenarioError) as err:
            validate_document({**DOC, "model": model}, source="s.yaml")
        return str(err.value)

    assert "model.family" in problem({"source": "tiny"}) and "sources local and hub" in problem({"source": "tiny"})
    assert "does not exist" in problem({"source": "local", "path": str(tmp_path / "nowhere")})
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "MyVideoModel"}))
    (tmp_path / "transformer").mkdir()
    (tmp_path / "transformer" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    said = problem({"source": "local", "path": str(tmp_path), "family": "auto"})
    assert "_class_name 'MyVideoModel' is not a diffusers pipeline class" in said and "WanPipeline (wan)" in said
    assert "model.family" in said and "family 'generic'" in said


def test_another_pipeline_class_is_the_generic_family(tmp_path):
    """A class outside the known families is ``generic``: no frame or size rule of a family applies
    (the pipeline's own checks do), and the name is what vbench runs generically."""
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "MotifVideoPipeline"}))
    (tmp_path / "transformer").mkdir()
    (tmp_path / "transformer" / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    odd = {**DOC, "workload": {**DOC["workload"], "num_frames": 6, "height": 40}}
    scenario = validate_document({**odd, "model": {"source": "local", "path": str(tmp_path)}}, source="s.yaml")
    assert scenario.model.family == "generic"
    (run,) = expand(scenario)
    assert run.workload.num_frames == 6 and run.workload.height == 40


@pytest.mark.parametrize("source", ["tiny", "arch"])
def test_generic_is_not_a_family_vbench_builds(source):
    with pytest.raises(ScenarioError) as err:
        validate_document({**DOC, "model": {"family": "generic", "source": source, "name": "Wan2.1-T2V-1.3B"}},
                          source="s.yaml")
    said = str(err.value)
    assert "family: 'generic'" in said and "allowed sources: hub, local, object" in said


def test_a_hub_model_offline_and_uncached_asks_for_the_family(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    said = None
    with pytest.raises(ScenarioError) as err:
        validate_document({**DOC, "model": {"source": "hub", "name": "vbench-tests/no-such-model",
                                             "revision": "0123abcd"}}, source="s.yaml")
    said = str(err.value)
    assert "could not read model_index.json of vbench-tests/no-such-model@0123abcd" in said
    assert "give model.family" in said

