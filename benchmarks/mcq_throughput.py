"""MCQ throughput of three ways to ask a video's questions, side by side on one tiny Qwen2.5-VL.

1. ``official loop``: what FAVOR-Bench's ``inference_qa_qwen.py`` does per question (our own code
   after reading it): message with the video path (``max_pixels=360*420, fps=1.0``),
   ``process_vision_info`` (decodes the video again), one processor call and one ``generate``;
2. ``favor-hf today``: ``run_benchmark`` with ``--sampling official`` (each video decoded once;
   every question still runs the vision encoder and prefills its whole prompt);
3. ``favor-hf shared``: the same with ``share_video_prefix=True`` (one vision encoding and one
   prefix prefill per video; questions generated from copies of that cache).

The model is the tests' tiny random Qwen2.5-VL (``tests/tiny_vlm.py``, fp32, CPU); the clips are
synthetic, ``--seconds`` long at 448x336, so at the official preset the video gives about ten
times as many tokens as the question (2,880 visual tokens against about 280 question tokens
with the tiny tokenizer; at the official runs a 7B's prompt is about 10:1 too). Prints, per way:
questions per second, vision-encoder calls, prefilled and cached prompt tokens per question,
whether the answers equal the official loop's, and the largest difference between the logits of
any generated step of the first video's questions with and without sharing.

Usage: python benchmarks/mcq_throughput.py [--videos 3] [--seconds 30] [--batch-size 4] [--max-new-tokens 16]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from tiny_vlm import build_tiny_qwen2_5_vl  # noqa: E402

from favor_hf.data.favor_json import load_video_records  # noqa: E402
from favor_hf.models import ModelInput, load_adapter  # noqa: E402
from favor_hf.results import read_results  # noqa: E402
from favor_hf.runner import build_items, run_benchmark  # noqa: E402
from favor_hf.stats import aligned_rows  # noqa: E402
from favor_hf.synth import make_synthetic_benchmark  # noqa: E402
from favor_hf.video import Sampling  # noqa: E402


def official_loop(model_path: str, items: list[dict], max_new_tokens: int) -> tuple[list[str], dict[str, float]]:
    """Answer every item as the official script does: everything from scratch, one question at a time."""
    import torch
    from qwen_vl_utils import process_vision_info
    from transformers import AutoProcessor, Qwen2_5_VLForConditionalGeneration

    model = Qwen2_5_VLForConditionalGeneration.from_pretrained(model_path, dtype=torch.float32).eval()
    processor = AutoProcessor.from_pretrained(model_path)
    warm = processor(text=["warm up"], return_tensors="pt")
    with torch.inference_mode():  # first-call costs are not the loop's: every way warms up once
        model.generate(**warm, max_new_tokens=2)
    answers, prefilled = [], 0
    start = time.perf_counter()
    for item in items:
        video = {"type": "video", "video": item["video_path"], "max_pixels": 360 * 420, "fps": 1.0}
        messages = [{"role": "user", "content": [video, {"type": "text", "text": item["prompt"]}]}]
        text = processor.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        images, videos = process_vision_info(messages)
        # the official runs' transformers assumed 2 fps for a video given without its rate (see video/presets.py)
        metadata = [{"fps": 2.0, "total_num_frames": len(videos[0])}]
        inputs = processor(
            text=[text], images=images, videos=videos, padding=True, return_tensors="pt", video_metadata=metadata
        )
        with torch.inference_mode():
            generated = model.generate(**inputs, max_new_tokens=max_new_tokens)
        new = generated[:, inputs["input_ids"].shape[1] :]
        answers.append(processor.batch_decode(new, skip_special_tokens=True, clean_up_tokenization_spaces=False)[0])
        prefilled += int(inputs["input_ids"].shape[1])
    seconds = time.perf_counter() - start
    usage = {"vision_calls": float(len(items)), "prefill_tokens": float(prefilled), "cached_tokens": 0.0}
    return [answer.strip() for answer in answers], {"seconds": seconds, **usage}


def favor_run(model_path: str, data: Path, out: Path, share: bool, args: argparse.Namespace) -> tuple[list[str], dict]:
    """``run_benchmark`` at the official preset, with or without prefix sharing."""
    adapter = load_adapter(
        f"transformers:{model_path}",
        device="cpu",
        dtype="float32",
        max_new_tokens=args.max_new_tokens,
        batch_size=args.batch_size,
        share_video_prefix=share,
    )
    adapter.generate([ModelInput(prompt="warm up")])
    summary = run_benchmark(adapter, load_video_records(data), "mcq", out, sampling=Sampling(official=True))
    adapter.close()
    answers = [line["output"] for line in read_results(out).records]
    return answers, {"seconds": summary.seconds, **{key: float(value) for key, value in summary.usage.items()}}


def logit_difference(model_path: str, data: Path, args: argparse.Namespace) -> float:
    """Largest |shared - full prompt| logit over every generated step of the first video's questions."""
    items = build_items(load_video_records(data), "mcq")
    items = [item for item in items if item["video"] == items[0]["video"]]
    clip = Sampling(official=True).clip(items[0]["video_path"])
    options = {"device": "cpu", "dtype": "float32", "max_new_tokens": args.max_new_tokens}
    full = load_adapter(f"transformers:{model_path}", batch_size=1, **options)
    shared = load_adapter(f"transformers:{model_path}", batch_size=args.batch_size, share_video_prefix=True, **options)
    requests = [ModelInput(prompt=item["prompt"], frames=clip.frames, clip=clip) for item in items]
    want = [full.answer_logits([request])[1][0] for request in requests]
    got = [
        steps
        for start in range(0, len(requests), args.batch_size)
        for steps in shared.answer_logits(requests[start : start + args.batch_size])[1]
    ]
    return max(
        float((a - b).abs().max()) if a.shape == b.shape else float("inf") for a, b in zip(want, got, strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--batch-size", type=int, default=4, help="favor-hf's batch size (the official loop: 1)")
    parser.add_argument("--max-new-tokens", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model_path = build_tiny_qwen2_5_vl(root / "model")
        make_synthetic_benchmark(
            root / "data", n=args.videos, seed=0, width=448, height=336, fps=4, seconds=args.seconds, progress=False
        )
        items = build_items(load_video_records(root / "data"), "mcq")
        print(f"{len(items)} questions on {args.videos} videos; load average {os.getloadavg()[0]:.2f}")
        results = {"official loop": official_loop(model_path, items, args.max_new_tokens)}
        results["favor-hf today"] = favor_run(model_path, root / "data", root / "today.jsonl", False, args)
        results["favor-hf shared"] = favor_run(model_path, root / "data", root / "shared.jsonl", True, args)
        difference = logit_difference(model_path, root / "data", args)
    reference, base = results["official loop"][0], results["official loop"][1]
    rows = []
    for name, (answers, stats) in results.items():
        n = len(answers)
        rows.append(
            (
                name,
                f"{n / stats['seconds']:.2f}",
                f"{base['seconds'] / stats['seconds']:.2f}x",
                f"{stats.get('vision_calls', 0):.0f}",
                f"{stats.get('prefill_tokens', 0) / n:.0f}",
                f"{stats.get('cached_tokens', 0) / n:.0f}",
                "yes" if answers == reference else f"no ({sum(a != b for a, b in zip(answers, reference))} differ)",
            )
        )
    header = ("way", "questions/s", "speed-up", "vision calls", "prefilled/question", "cached/question", "same answers")
    print("\n".join(aligned_rows(header, rows)))
    print(f"largest logit difference, shared vs full prompt (fp32, every step of the first video): {difference:.2e}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
