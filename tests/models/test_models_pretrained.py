"""``local`` round trips a saved pipeline bit for bit; ``hub`` fails offline with one clear sentence."""

from __future__ import annotations

import json

import numpy as np
import pytest
from zoo_workloads import workload

from vbench.errors import UnsupportedError
from vbench.models import build_pipeline, parameter_counts


def frames(built, work):
    return built.pipe(**built.call_kwargs(work, device="cpu")).frames


@pytest.mark.parametrize("family", ["wan", "svd"])
def test_local_round_trip_gives_the_same_video(tmp_path, family):
    tiny = build_pipeline({"family": family, "source": "tiny", "weights_seed": 0})
    tiny.pipe.save_pretrained(tmp_path)
    loaded = build_pipeline({"family": family, "source": "local", "path": str(tmp_path)})
    assert loaded.source == "local" and loaded.embeddings == "pseudo"
    assert loaded.info["text"] == tiny.info["text"]
    # Bit for bit: weights mapped from the file at odd offsets are realigned (CPU BLAS rounds by alignment).
    assert np.array_equal(frames(tiny, workload(family)), frames(loaded, workload(family)))
    assert parameter_counts({"family": family, "source": "local", "path": str(tmp_path)}) == {
        "denoiser": tiny.info["denoiser_params"], "vae": tiny.info["vae_params"]}


def test_local_without_a_directory_is_unsupported(tmp_path):
    with pytest.raises(UnsupportedError, match="model_index.json"):
        build_pipeline({"family": "wan", "source": "local", "path": str(tmp_path / "nowhere")})


def test_local_of_another_family_is_refused(tmp_path):
    build_pipeline({"family": "ltx", "source": "tiny"}).pipe.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "model_index.json").read_text())["_class_name"] == "LTXPipeline"
    with pytest.raises(UnsupportedError, match="ltx pipeline, not wan"):
        build_pipeline({"family": "wan", "source": "local", "path": str(tmp_path)})


def test_hub_offline_names_id_revision_and_fix(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = {"family": "wan", "source": "hub", "name": "vbench-tests/no-such-model", "revision": "0123abcd"}
    with pytest.raises(UnsupportedError) as caught:
        build_pipeline(model)
    message = str(caught.value)
    assert "'vbench-tests/no-such-model' at revision '0123abcd' is not in the local cache" in message
    assert "HF_HUB_OFFLINE" in message and "source: local" in message
    assert "hf download vbench-tests/no-such-model --revision 0123abcd" in message
    assert caught.value.__cause__ is None and "\n" not in message


def test_num_layers_is_refused_for_real_weights(tmp_path):
    with pytest.raises(UnsupportedError, match="num_layers"):
        build_pipeline({"family": "wan", "source": "local", "path": str(tmp_path), "num_layers": 2})
