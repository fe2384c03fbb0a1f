"""The weight-free baselines: optical-flow camera motion on synthetic clips, and seeded random guessing."""

from __future__ import annotations

from collections import Counter

import pytest

from favor_hf.models import load_adapter
from favor_hf.models.base import ModelInput
from favor_hf.models.flow import FlowAdapter, match_option
from favor_hf.models.random_guess import RandomGuessAdapter
from favor_hf.motion_labels import CAMERA_CAPTIONS, CAMERA_MOTIONS
from favor_hf.prompts import GENERIC_CAPTION
from favor_hf.synth import make_synthetic_benchmark
from favor_hf.video import sample_frames

LABEL = {phrase: label for label, phrase in CAMERA_MOTIONS.items()}


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    return make_synthetic_benchmark(tmp_path_factory.mktemp("flow"), 20, seed=11, progress=False)


@pytest.fixture(scope="module")
def flow():
    return FlowAdapter()


def test_camera_motion_accuracy_on_synth(bench, flow):
    truth = [LABEL[r["camera_motion"]] for r in bench.records]
    estimates = [flow.estimate_camera_motion(sample_frames(path, num_frames=8)) for path in bench.video_paths]
    wrong = [(t, e) for t, e in zip(truth, estimates) if t != e]
    assert len(wrong) <= 0.1 * len(truth), wrong
    assert set(truth) == set(CAMERA_MOTIONS)  # every motion was tested


def test_answers_cm_questions_and_captions(bench, flow):
    inputs, answers = [], []
    for record, path in zip(bench.records[:8], bench.video_paths):
        q = next(q for q in record["questions"] if q["task_type"] == "CM")
        inputs.append(
            ModelInput(prompt=q["question"], video_path=str(path), meta={"options": q["options"], "task_type": "CM"})
        )
        answers.append(q["correct_answer"])
    outputs = flow.generate(inputs)
    assert all(o in i.meta["options"] for o, i in zip(outputs, inputs))
    assert sum(o == a for o, a in zip(outputs, answers)) >= 7
    frames = sample_frames(bench.video_paths[0], num_frames=8)
    caption = flow.generate([ModelInput(prompt="Describe the video.", frames=frames)])[0]
    assert caption == CAMERA_CAPTIONS[flow.estimate_camera_motion(frames)]


def test_non_camera_question_gets_an_option(flow):
    item = ModelInput(prompt="?", meta={"options": ["Moves up", "Stops"], "task_type": "SAD"})
    assert flow.generate([item]) == ["Moves up"]
    with pytest.raises(ValueError, match="video_path or frames"):
        flow.generate([ModelInput(prompt="Describe.", item_id="x")])


@pytest.mark.parametrize(
    ("label", "options", "expected"),
    [
        (
            "pan_right",
            ["Camera shakes, pans to the right, camera shakes", "Pans to the right", "Stationary", "Tilts downward"],
            1,
        ),
        ("tilt_up", ["Downward camera movement", "Upward camera movement", "Camera follows"], 1),
        ("zoom_in", ["Static shot", "The camera zooms out", "The camera zooms in"], 2),
        ("static", ["Camera shaking", "Stationary", "Pans left, then static"], 1),
        ("shake", ["Static", "Shaky camera", "Pans to the left"], 1),
        ("pan_left", ["Rightward camera movement", "Leftward camera movement", "Stationary"], 1),
    ],
)
def test_match_option_reads_official_phrasings(label, options, expected):
    assert match_option(label, options) == expected


def test_random_guess_is_seeded_uniform_and_batch_independent():
    options = ["A1", "B2", "C3", "D4", "E5"]
    items = [ModelInput(prompt="q", item_id=f"v_{i}", meta={"options": options}) for i in range(1000)]
    guesses = RandomGuessAdapter(seed=0).generate(items)
    assert guesses == [RandomGuessAdapter(seed=0).generate([item])[0] for item in items]
    assert guesses != RandomGuessAdapter(seed=1).generate(items)
    counts = Counter(guesses)
    assert set(counts) == set(options) and all(150 < n < 250 for n in counts.values())
    assert RandomGuessAdapter().generate([ModelInput(prompt="Describe the video.")]) == [GENERIC_CAPTION]


def test_adapters_load_by_spec():
    assert isinstance(load_adapter("flow"), FlowAdapter)
    random_adapter = load_adapter("random:7")
    assert isinstance(random_adapter, RandomGuessAdapter) and random_adapter.seed == 7
