"""Encode each video once: with ``share_video_prefix`` a video's questions, answered from a copy of its
prefilled prefix, get the logits of every generated step and the answers of their full prompts."""

from __future__ import annotations

import pytest
import torch
from tiny_vlm import build_tiny_llava_onevision, build_tiny_qwen3_vl, tiny_qwen2_5_vl  # noqa: F401 (fixture)

from favor_hf.cli import main
from favor_hf.data.favor_json import load_video_records
from favor_hf.models import ModelInput, load_adapter
from favor_hf.results import ResultsError, read_results
from favor_hf.runner import build_items, run_benchmark
from favor_hf.video import Sampling
from favor_hf.video_batches import plan_batches

SAMPLING = Sampling(frames=8, max_side=64)
OPTIONS = {"device": "cpu", "dtype": "float32", "max_new_tokens": 8}


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """Two 12 s synthetic FAVOR clips: 8 frames of them give time positions past where the question starts."""
    from favor_hf.synth import make_synthetic_benchmark

    root = tmp_path_factory.mktemp("synth")
    make_synthetic_benchmark(root, n=2, seed=3, seconds=12.0, progress=False)
    return root


def _requests(synth) -> list[ModelInput]:
    """Every question of the two videos in the order A (first 3), B (all), A (rest): A's prefix is built twice."""
    items = build_items(load_video_records(synth), "mcq")
    clips = {path: SAMPLING.clip(path) for path in dict.fromkeys(item["video_path"] for item in items)}
    first = items[0]["video"]
    a = [item for item in items if item["video"] == first]
    b = [item for item in items if item["video"] != first]
    return [
        ModelInput(prompt=item["prompt"], frames=clips[item["video_path"]].frames, clip=clips[item["video_path"]])
        for item in a[:3] + b + a[3:]
    ]


def _compare(model_path: str, synth, **options: str) -> list[ModelInput]:
    """Unshared answers one by one against shared answers in batches of 3; returns the shared requests."""
    full = load_adapter(f"transformers:{model_path}", batch_size=1, **OPTIONS, **options)
    shared = load_adapter(f"transformers:{model_path}", batch_size=3, share_video_prefix=True, **OPTIONS, **options)
    assert shared.share_video_prefix and not full.share_video_prefix and shared.notes == ()
    expected = [full.answer_logits([request]) for request in _requests(synth)]
    requests = _requests(synth)
    for start in range(0, len(requests), 3):
        texts, logits = shared.answer_logits(requests[start : start + 3])
        for (want_texts, want_logits), text, steps in zip(expected[start : start + 3], texts, logits):
            assert text == want_texts[0]
            assert steps.shape == want_logits[0].shape
            torch.testing.assert_close(steps, want_logits[0], atol=1e-5, rtol=0)
    return requests


def test_qwen2_5_vl_shared_prefix_gives_every_steps_logits_of_the_full_prompt(tiny_qwen2_5_vl, synth):  # noqa: F811
    requests = _compare(tiny_qwen2_5_vl, synth)
    # A, B, then A again: three prefixes built, each question after its batch's first one reuses it
    assert sum(request.usage["vision_calls"] for request in requests) == 3
    cached = [request.usage["cached_tokens"] for request in requests]
    assert cached[0] == 0 and cached[1] == cached[2] > 400  # the video's tokens are most of the prompt
    assert all(request.usage["prefill_tokens"] < cached[1] for request in requests[1:3])


def test_frames_as_images_share_the_prefix_exactly(tiny_qwen2_5_vl, synth):  # noqa: F811
    requests = _compare(tiny_qwen2_5_vl, synth, video_input="images")
    assert sum(request.usage["vision_calls"] for request in requests) == 3


@pytest.mark.parametrize("build", [build_tiny_qwen3_vl, build_tiny_llava_onevision], ids=["qwen3_vl", "llava_ov"])
def test_other_video_families_share_the_prefix_exactly(build, synth, tmp_path):
    _compare(build(tmp_path / "model"), synth)


def test_a_video_prefix_survives_a_plain_generate_of_another_video(tiny_qwen2_5_vl, synth):  # noqa: F811
    """The model's stale rope_deltas after another video's full prompt must not reach a kept prefix."""
    adapter = load_adapter(f"transformers:{tiny_qwen2_5_vl}", batch_size=1, share_video_prefix=True, **OPTIONS)
    full = load_adapter(f"transformers:{tiny_qwen2_5_vl}", batch_size=1, **OPTIONS)
    requests = _requests(synth)
    a1, a2, b = requests[0], requests[1], requests[3]
    adapter.answer_logits([a1])  # A's prefix is kept
    adapter.model.generate(**adapter.processor_inputs([b]), max_new_tokens=2)  # B's offsets on the model
    adapter.generate([ModelInput(prompt=b.prompt)])  # no frames: the unshared path, offsets 0 on the model
    assert not adapter.model.model.rope_deltas.any()
    (text,), (steps,) = adapter.answer_logits([a2])
    assert a2.usage["vision_calls"] == 0  # A's prefix, kept
    (want,), (want_steps,) = full.answer_logits([a2])
    assert text == want
    torch.testing.assert_close(steps, want_steps, atol=1e-5, rtol=0)


def _run(tiny: str, synth, out, *flags: str) -> str:
    code = main(
        [
            "run",
            "--model",
            f"transformers:{tiny}",
            "--data-dir",
            str(synth),
            "--out",
            str(out),
            "--frames",
            "8",
            "--max-side",
            "64",
            "--device",
            "cpu",
            "--dtype",
            "float32",
            "--max-new-tokens",
            "8",
            "--no-score",
            *flags,
        ]
    )
    assert code == 0
    return out


def test_run_with_shared_prefix_resumes_at_a_videos_third_question(tiny_qwen2_5_vl, synth, tmp_path, capsys):  # noqa: F811
    plain = read_results(_run(tiny_qwen2_5_vl, synth, tmp_path / "plain.jsonl", "--batch-size", "2")).records
    out = tmp_path / "shared.jsonl"
    _run(tiny_qwen2_5_vl, synth, out, "--batch-size", "2", "--share-video-prefix", "--limit", "2")
    capsys.readouterr()
    _run(tiny_qwen2_5_vl, synth, out, "--batch-size", "2", "--share-video-prefix")  # resumes at A's third question
    printed = capsys.readouterr().out
    shared = read_results(out).records
    assert [line["id"] for line in shared] == [line["id"] for line in plain]
    assert [line["output"] for line in shared] == [line["output"] for line in plain]
    assert {line["share_video_prefix"] for line in shared} == {True} and {
        line["share_video_prefix"] for line in plain
    } == {False}
    # vision encoder: A at its first question, A again at its third (the resumed run), B once
    assert [line["usage"]["vision_calls"] for line in shared].count(1) == 3
    assert sum(line["usage"]["vision_calls"] for line in plain) == len(plain)
    assert [line["timing"]["batch"] for line in shared[2:6]] == [2, 2, 2, 2]  # a video's questions batched
    assert "vision-encoder calls" in printed and "cached tokens" in printed
    per_question = printed.split("per question: ")[1].split(" vision-encoder calls")[0]
    assert float(per_question) == pytest.approx(2 / (len(shared) - 2), abs=0.005)  # the resumed run: A, B


def test_resuming_with_another_sharing_setting_is_refused(tiny_qwen2_5_vl, synth, tmp_path):  # noqa: F811
    out = _run(tiny_qwen2_5_vl, synth, tmp_path / "r.jsonl", "--limit", "1")
    adapter = load_adapter(f"transformers:{tiny_qwen2_5_vl}", share_video_prefix=True, **OPTIONS)
    with pytest.raises(ResultsError, match="--share-video-prefix differs"):
        run_benchmark(adapter, load_video_records(synth), "mcq", out, sampling=SAMPLING, progress=False)


def test_plan_keeps_a_videos_batches_together_after_its_first():
    items = [{"id": i, "video": v} for i, v in enumerate("aaaaabbc")]
    plan = [([item["id"] for item in batch], after) for batch, after in plan_batches(items, 2, by_video=True)]
    assert plan == [([0, 1], None), ([2, 3], 0), ([4], 0), ([5, 6], None), ([7], None)]
    plain = [[item["id"] for item in batch] for batch, _ in plan_batches(items, 3, by_video=False)]
    assert plain == [[0, 1, 2], [3, 4, 5], [6, 7]]
