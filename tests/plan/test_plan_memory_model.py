"""The memory model recovers known coefficients, chooses its terms by leave-one-out, and the
find-max bisection lands on the largest fitting size."""

from __future__ import annotations

import pytest

from vbench.plan.find_max import find_max_frames
from vbench.plan.geometry import infer
from vbench.plan.memory_model import fit_group
from vbench.plan.planner import make_plan, max_frames
from vbench.plan.points import Group, Point

WEIGHTS, PER_TOKEN, PER_TOKEN2, PER_PF = 3e9, 2048.0, 24.0, 40.0


def _point(frames: int, side: int) -> Point:
    tokens = ((frames - 1) // 4 + 1) * (side // 16) ** 2
    pf = frames * side * side
    stages = {"text_encode": WEIGHTS, "denoise": WEIGHTS + PER_TOKEN * tokens + PER_TOKEN2 * tokens**2,
              "vae_decode": WEIGHTS + PER_PF * pf}
    return Point(f"r{frames}-{side}", frames, side, side, 1, tokens, stages, max(stages.values()))


def _group(points) -> Group:
    return Group("k", "k", "wan-synthetic", "wan", "cuda", "host_rss", {}, None, list(points))


def test_fit_recovers_known_coefficients_and_picks_the_quadratic_term():
    model = fit_group(_group(_point(f, s) for f in (9, 17, 33, 49) for s in (128, 256, 384)))
    denoise = model.stages["denoise"]
    assert denoise.fit.terms == ("1", "tokens", "tokens2")
    assert denoise.fit.coef == pytest.approx([WEIGHTS, PER_TOKEN, PER_TOKEN2], rel=1e-6)
    assert model.stages["vae_decode"].fit.terms == ("1", "pixel_frames")
    assert model.stages["vae_decode"].fit.coef == pytest.approx([WEIGHTS, PER_PF], rel=1e-6)
    assert model.stages["text_encode"].fit.terms == ("1",)
    assert model.peak_loo.max_rel < 1e-6
    assert (model.geometry.temporal, model.geometry.per_pixel) == (4, 1 / 256)


def test_noise_shows_in_the_leave_one_out_error():
    points = [_point(f, s) for f in (9, 17, 33, 49) for s in (128, 256, 384)]
    noisy = [Point(p.run_id, p.frames, p.height, p.width, 1, p.tokens,
                   {k: v + (1 if i % 2 else -1) * 50e6 for k, v in p.stages.items()}, p.peak + 0)
             for i, p in enumerate(points)]
    loo = fit_group(_group(noisy)).stages["text_encode"].loo
    assert 40e6 < loo.rms_bytes < 70e6


def test_plan_answers_match_the_true_model():
    model = fit_group(_group(_point(f, s) for f in (9, 17, 33, 49) for s in (128, 256, 384)))
    usable = 20 * 2**30
    answer = max_frames(model, usable, height=256, width=256)
    true = lambda f: max(_point(f, 256).stages.values())  # noqa: E731
    assert true(answer.value) <= usable < true(answer.value + 4)
    plan = make_plan(model, usable, "test", frames=33, height=256, width=256)
    assert plan.margin.bytes == 0 and len(plan.answers) == 3


def test_geometry_reads_the_temporal_compression_from_the_runs():
    points = [_point(f, 128) for f in (9, 17, 25)]
    assert infer("mochi", points).temporal == 4  # the runs say 4, not Mochi's published 6


@pytest.mark.parametrize("limit", [1, 37, 89, 1021, 2000])
def test_find_max_bisects_to_the_largest_fitting_frames(limit):
    calls = []

    def run(frames):
        calls.append(frames)
        return {"run_id": str(frames), "status": "ok" if frames <= limit else "oom",
                "memory": {"peak": {"bytes": float(frames)}}}

    got = find_max_frames(run, budget_bytes=1e9, frame_step=4, predicted=45, start=17)
    expected = (min(limit, 1025) - 1) // 4 * 4 + 1
    assert got.found == expected and got.decided
    assert len(calls) == len(set(calls)) <= 20


def test_find_max_is_undecided_when_a_run_errors():
    got = find_max_frames(lambda f: {"run_id": "x", "status": "error", "reason": "boom"}, budget_bytes=1.0,
                          frame_step=4, predicted=9, start=9)
    assert not got.decided and got.found is None and "boom" in got.why


def test_runs_at_one_size_leave_every_answer_undecided():
    model = fit_group(_group([_point(17, 256), _point(17, 256)]))
    plan = make_plan(model, 80e9, "--budget-gb 80", frames=17, height=256, width=256)
    assert [a.value for a in plan.answers] == [None, None, None]
    assert all(a.undecided and "one size (17 frames, 256x256" in a.undecided for a in plan.answers)


def test_an_answer_past_the_measured_sizes_says_how_far():
    model = fit_group(_group(_point(f, s) for f in (9, 17, 33, 49) for s in (128, 256, 384)))
    plan = make_plan(model, 40e9, "--budget-gb 40", frames=49, height=256, width=256, margin_gb=0)
    frames = plan.answers[0]
    assert frames.value > 49 and frames.beyond == pytest.approx(frames.value / 49)
    inside = make_plan(model, WEIGHTS + PER_PF * 33 * 256 * 256 * 1.01, "b", frames=33, height=256, width=256,
                       margin_gb=0).answers[0]
    assert inside.value is not None and inside.value <= 49 and inside.beyond is None
