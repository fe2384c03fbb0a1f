"""Video input parity: ``favor-hf run --sampling official`` feeds a tiny Qwen2.5-VL exactly what the
official ``inference_qa_qwen.py`` feeds it, and LLaVA-OneVision gets its processor's documented video call."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny_vlm import (  # noqa: F401 (fixtures)
    build_tiny_qwen3_vl,
    tiny_llava_onevision,
    tiny_qwen2_5_vl,
)

from favor_hf.cli import main
from favor_hf.data.favor_json import load_video_records
from favor_hf.models import ModelInput, load_adapter
from favor_hf.results import read_results
from favor_hf.runner import build_items
from favor_hf.video import Sampling, official_nframes

MAX_NEW_TOKENS = 24  # the official script uses 256; fewer keeps the test fast and compares the same way
PARITY_KEYS = ("input_ids", "attention_mask", "pixel_values_videos", "video_grid_thw", "second_per_grid_ts")


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """Two 4 s, 12 fps synthetic FAVOR clips (192x144) with their questions."""
    from favor_hf.synth import make_synthetic_benchmark

    root = tmp_path_factory.mktemp("synth")
    make_synthetic_benchmark(root, n=2, seed=3, seconds=4.0, progress=False)
    return root


def _official_inputs(processor, video_path: str, prompt: str):
    """What ``inference_qa_qwen.py`` builds for one question (its message, process_vision_info, processor call)."""
    from qwen_vl_utils import process_vision_info

    messages = [
        {
            "role": "user",
            "content": [
                {"type": "video", "video": video_path, "max_pixels": 360 * 420, "fps": 1.0},
                {"type": "text", "text": prompt},
            ],
        }
    ]
    text = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    image_inputs, video_inputs = process_vision_info(messages)
    # The script passes no fps; the transformers of its time (4.49-4.5x) then assumed 2 fps. Today's
    # transformers assumes 24 fps instead, so that default is written out here.
    return processor(
        text=[text],
        images=image_inputs,
        videos=video_inputs,
        padding=True,
        return_tensors="pt",
        video_metadata=[{"fps": 2.0, "total_num_frames": len(video_inputs[0])}],
    ), video_inputs[0]


def _official_answer(model, processor, inputs) -> str:
    generated_ids = model.generate(**inputs, max_new_tokens=MAX_NEW_TOKENS)
    trimmed = [out_ids[len(in_ids) :] for in_ids, out_ids in zip(inputs.input_ids, generated_ids)]
    return processor.batch_decode(trimmed, skip_special_tokens=True, clean_up_tokenization_spaces=False)[0]


def test_official_preset_reproduces_the_official_script(tiny_qwen2_5_vl, synth, tmp_path, capsys):  # noqa: F811
    from transformers import AutoProcessor, Qwen2_5_VLForConditionalGeneration

    out = tmp_path / "official.jsonl"
    code = main(
        [
            "run",
            "--model",
            f"transformers:{tiny_qwen2_5_vl}",
            "--data-dir",
            str(synth),
            "--out",
            str(out),
            "--sampling",
            "official",
            "--limit",
            "3",
            "--max-new-tokens",
            str(MAX_NEW_TOKENS),
            "--device",
            "cpu",
            "--dtype",
            "float32",
            "--no-score",
        ]
    )
    assert code == 0, capsys.readouterr().err
    lines = read_results(out).records
    items = {item["id"]: item for item in build_items(load_video_records(synth), "mcq")}
    processor = AutoProcessor.from_pretrained(tiny_qwen2_5_vl)
    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(tiny_qwen2_5_vl, dtype=torch.float32).eval()
    adapter = load_adapter(f"transformers:{tiny_qwen2_5_vl}", device="cpu", dtype="float32")
    assert adapter.video_input == "video"
    sampling = Sampling(official=True)
    assert len(lines) == 3
    for line in lines:
        item = items[line["id"]]
        assert line["video_input"] == "video" and line["sampling"].startswith("official(qwen-vl-utils==0.0.8")
        official, official_video = _official_inputs(processor, item["video_path"], item["prompt"])
        clip = sampling.clip(item["video_path"])
        ours = adapter.processor_inputs([ModelInput(prompt=item["prompt"], frames=clip.frames, clip=clip)])
        for key in PARITY_KEYS:
            assert torch.equal(official[key], ours[key]), key
        assert official["second_per_grid_ts"].tolist() == [1.0]
        # the frames of the run: 4 s at 12 fps -> 4 frames, linspace(0, 47, 4) rounded, 280x392 (multiples of 28)
        manifest = line["frame_manifest"]
        assert manifest["indices"] == [0, 16, 31, 47] and manifest["size"] == [280, 392]
        assert manifest["decoder"].startswith("decord") and manifest["source_frames"] == 48
        assert torch.equal(torch.from_numpy(clip.frames).permute(0, 3, 1, 2).float(), official_video)
        assert manifest["sha256"] == clip.sha256
        with torch.inference_mode():
            answer = _official_answer(model, processor, official)
        assert answer.strip() == line["output"] and line["output"]
    adapter.close()


def test_official_frame_count_follows_qwen_vl_utils_0_0_8():
    # 5.5 s at 12 fps: 0.0.8 rounds 5.5 frames to the nearest even count (6); 0.0.10+ floor it to 4
    assert official_nframes(66, 12.0) == 6
    assert official_nframes(48, 12.0) == 4
    assert official_nframes(12, 12.0) == 4  # at least 4 frames
    assert official_nframes(24 * 60, 24.0) == 60


def test_images_mode_and_video_mode_differ_and_are_recorded(tiny_qwen2_5_vl, synth, tmp_path):  # noqa: F811
    records = load_video_records(synth)
    path = build_items(records, "mcq")[0]["video_path"]
    clip = Sampling(frames=8, max_side=None).clip(path)
    request = ModelInput(prompt="Which way?", frames=clip.frames, clip=clip)
    video = load_adapter(f"transformers:{tiny_qwen2_5_vl}", device="cpu", dtype="float32", video_input="video")
    images = load_adapter(f"transformers:{tiny_qwen2_5_vl}", device="cpu", dtype="float32", video_input="images")
    as_video, as_images = video.processor_inputs([request]), images.processor_inputs([request])
    # video: 8 frames merged in pairs into 4 temporal grids; images: 8 separate images
    assert as_video["video_grid_thw"][0, 0].item() == 4 and "pixel_values" not in as_video
    assert as_images["image_grid_thw"].shape[0] == 8 and "pixel_values_videos" not in as_images
    # the uniform preset tells the processor the real frame times: 8 of 48 frames at 12 fps = 2 fps sampled
    assert as_video["second_per_grid_ts"].tolist() == [pytest.approx(1.0)]
    assert clip.manifest()["indices"] == [3, 9, 15, 21, 27, 33, 39, 45]
    video.close()
    images.close()


def test_llava_onevision_gets_its_documented_video_call(tiny_llava_onevision, synth):  # noqa: F811
    import av
    from transformers import AutoProcessor, LlavaOnevisionForConditionalGeneration

    path = build_items(load_video_records(synth), "mcq")[0]["video_path"]
    clip = Sampling(frames=8, max_side=None).clip(path)
    # the model card's read_video_pyav: decode in order, keep the wanted indices
    with av.open(path) as container:
        decoded = [frame.to_ndarray(format="rgb24") for i, frame in enumerate(container.decode(video=0))]
    documented_video = np.stack([decoded[i] for i in clip.indices])
    assert np.array_equal(documented_video, clip.frames)
    processor = AutoProcessor.from_pretrained(tiny_llava_onevision)
    conversation = [
        {"role": "user", "content": [{"type": "video"}, {"type": "text", "text": "Which way does it move?"}]}
    ]
    prompt = processor.apply_chat_template(conversation, add_generation_prompt=True)
    documented = processor(text=prompt, videos=documented_video, return_tensors="pt")
    model = LlavaOnevisionForConditionalGeneration.from_pretrained(tiny_llava_onevision, dtype=torch.float32).eval()
    with torch.inference_mode():
        generated = model.generate(**documented, max_new_tokens=MAX_NEW_TOKENS)
    expected = processor.decode(generated[0, documented["input_ids"].shape[1] :], skip_special_tokens=True)

    adapter = load_adapter(
        f"transformers:{tiny_llava_onevision}", device="cpu", dtype="float32", max_new_tokens=MAX_NEW_TOKENS
    )
    assert adapter.video_input == "video"
    request = ModelInput(prompt="Which way does it move?", frames=clip.frames, clip=clip)
    ours = adapter.processor_inputs([request])
    for key in ("input_ids", "pixel_values_videos"):
        assert torch.equal(documented[key], ours[key]), key
    assert adapter.generate([request]) == [expected.strip()] and expected.strip()
    adapter.close()


def _grey_clip(
    path, frames: int, fps: int, step: int, options: dict[str, str] | None = None, container_format: str | None = None
) -> str:
    """A 64x48 H.264 clip of ``frames`` frames whose frame i has grey level ``step * i``."""
    import av

    with av.open(str(path), mode="w", format=container_format) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = options or {}
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), step * i, dtype=np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return str(path)


def test_keyframe_seeking_returns_the_frames_of_a_full_decode(tmp_path):
    import av

    from favor_hf.video import decode_frames, frame_table

    # 4 s at 12 fps, a keyframe every 6 frames, B-frames
    path = _grey_clip(tmp_path / "gop.mp4", 48, 12, 4, {"g": "6", "keyint_min": "6", "bf": "2", "crf": "18"})
    table = frame_table(path)
    assert table is not None and len(table.pts) == 48 and table.keyframes[:3] == [0, 6, 12]
    with av.open(path) as container:
        everything = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    for indices in ([0, 13, 14, 40, 47], [47, 3, 3, 25], list(range(0, 48, 12))):
        frames = decode_frames(path, indices, table=table)
        assert all(np.array_equal(a, everything[i]) for a, i in zip(frames, indices, strict=True))
    assert [round(float(f.mean()) / 4) for f in decode_frames(path, [7, 30])] == [7, 30]


def test_openai_video_input_sends_one_vllm_video_part(synth):
    import base64
    import io

    from chat_server import ChatServer
    from PIL import Image

    from favor_hf.models.openai_compat import OpenAIAdapter

    clip = Sampling(frames=8, max_side=64).clip(build_items(load_video_records(synth), "mcq")[0]["video_path"])
    with ChatServer() as server:
        for mode in ("video", "images"):
            adapter = OpenAIAdapter("m", base_url=server.base_url, video_input=mode)
            assert adapter.video_input == mode
            adapter.generate([ModelInput(prompt="Which way?", frames=clip.frames, clip=clip)])
            adapter.close()
    video_parts, image_parts = (payload["messages"][0]["content"] for payload in server.payloads)
    assert [part["type"] for part in video_parts] == ["video_url", "text"]
    header, _, data = video_parts[0]["video_url"]["url"].partition(",")
    assert header == "data:video/jpeg;base64"
    frames = [Image.open(io.BytesIO(base64.b64decode(chunk))) for chunk in data.split(",")]
    assert len(frames) == 8 and {frame.size for frame in frames} == {(64, 48)}
    assert [part["type"] for part in image_parts] == ["image_url"] * 8 + ["text"]


def test_openai_without_server_or_key_fails_at_once(monkeypatch, synth, tmp_path, capsys):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ValueError, match=r"--base-url \(or set \$OPENAI_BASE_URL\).*--api-key"):
        load_adapter("openai:gpt-4o")
    code = main(["run", "--model", "openai:gpt-4o", "--data-dir", str(synth), "--out", str(tmp_path / "r.jsonl")])
    assert code == 1 and "--base-url" in capsys.readouterr().err
    assert not (tmp_path / "r.jsonl").exists()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")  # a key alone means the OpenAI API
    assert load_adapter("openai:gpt-4o").base_urls == ["https://api.openai.com/v1"]


def test_pixel_budget_gives_multiples_of_28_within_it(synth):
    path = build_items(load_video_records(synth), "mcq")[0]["video_path"]
    budget = Sampling(frames=8, min_pixels=28 * 28 * 4, max_pixels=28 * 28 * 20)
    clip = budget.clip(path)
    height, width = clip.frames.shape[1:3]
    assert height % 28 == 0 and width % 28 == 0 and height * width <= 28 * 28 * 20
    assert budget.label == "frames=8,min_pixels=3136,max_pixels=15680" and "budget" in clip.decoder
    # without max_pixels, total_pixels is shared by the frames (qwen-vl-utils 0.0.8), floored at 1.05 x min_pixels
    shared = Sampling(frames=8, min_pixels=28 * 28 * 4, total_pixels=28 * 28 * 4 * 40).clip(path)
    assert shared.frames.shape[1] * shared.frames.shape[2] <= 28 * 28 * 4 * 40 / 8 * 2
    with pytest.raises(ValueError, match="official preset fixes fps=1"):
        Sampling(official=True, frames=8)
    with pytest.raises(ValueError, match=r"--max-pixels\) is below min pixels 100352 \(--min-pixels"):
        Sampling(frames=8, max_pixels=15680)


def test_a_results_file_holds_one_video_input_mode(tiny_qwen2_5_vl, synth, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "r.jsonl"
    base = [
        "run",
        "--model",
        f"transformers:{tiny_qwen2_5_vl}",
        "--data-dir",
        str(synth),
        "--out",
        str(out),
        "--frames",
        "8",
        "--max-side",
        "64",
        "--limit",
        "1",
        "--max-new-tokens",
        "4",
        "--device",
        "cpu",
        "--no-score",
    ]
    assert main([*base, "--video-input", "images"]) == 0
    assert read_results(out).records[0]["video_input"] == "images"
    capsys.readouterr()
    assert main([*base, "--limit", "2"]) == 1  # auto is video for Qwen2.5-VL: another run
    assert "--video-input differs: the file was run with 'images', this run has 'video'" in capsys.readouterr().err


def test_frames_command_compares_two_runs_frame_by_frame(synth, tmp_path, capsys):
    runs = {
        "fps_a": ["--fps", "1"],
        "fps_b": ["--fps", "1"],
        "official": ["--sampling", "official"],
    }
    for name, flags in runs.items():
        out = tmp_path / f"{name}.jsonl"
        assert main(["run", "--model", "flow", "--data-dir", str(synth), "--out", str(out), "--no-score", *flags]) == 0
    capsys.readouterr()
    assert main(["frames", str(tmp_path / "fps_a.jsonl"), str(tmp_path / "fps_b.jsonl")]) == 0
    assert "videos compared: 2, identical frames (same hash): 2" in capsys.readouterr().out
    # 4 s at 12 fps: fps=1 takes frames 0, 12, 24, 36; official takes 0, 16, 31, 47 at 280x392
    assert main(["frames", str(tmp_path / "fps_a.jsonl"), str(tmp_path / "official.jsonl")]) == 2
    report = capsys.readouterr().out
    assert "identical frames (same hash): 0" in report and "frames compared: 8, frame index mismatches: 6" in report


def test_qwen3_vl_prompt_carries_the_sampled_frame_times(synth, tmp_path):
    import re

    path = build_items(load_video_records(synth), "mcq")[0]["video_path"]
    clip = Sampling(frames=8, max_side=None).clip(path)
    adapter = load_adapter(
        f"transformers:{build_tiny_qwen3_vl(tmp_path / 'qwen3_vl')}", device="cpu", dtype="float32", max_new_tokens=8
    )
    request = ModelInput(prompt="Which way?", frames=clip.frames, clip=clip)
    text = adapter.processor.batch_decode(adapter.processor_inputs([request])["input_ids"])[0]
    # Qwen3-VL stamps each 2-frame grid with the mean time of its frames: frames 3, 9, ... of a 12 fps clip
    pairs = [(a + b) / 2 for a, b in zip(clip.timestamps[::2], clip.timestamps[1::2])]
    assert re.findall(r"<([0-9.]+) seconds>", text) == [f"{t:.1f}" for t in pairs] == ["0.5", "1.5", "2.5", "3.5"]
    assert adapter.generate([request])[0]
    adapter.close()


def test_streams_without_timestamps_are_sampled_in_decode_order(tmp_path):
    from favor_hf.video import frame_table, sample_video

    path = _grey_clip(
        tmp_path / "raw.h264", 30, 10, 8, container_format="h264"
    )  # raw H.264: packets carry no timestamps
    assert frame_table(path) is None
    sampled = sample_video(path, num_frames=3)
    assert sampled.indices == [5, 15, 25] and sampled.total == 30
    assert [round(float(f.mean()) / 8) for f in sampled.frames] == [5, 15, 25]
    clip = Sampling(frames=3, max_side=None).clip(path)
    assert clip.indices == [5, 15, 25] and clip.source_frames == 30
