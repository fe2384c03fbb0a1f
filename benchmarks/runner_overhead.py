"""The runner's own cost per item: everything but the model call.

A no-op adapter (answers instantly, but asks for frames like a real model) runs the MCQ
task over synthetic clips from ``favor_hf.synth``, so the time per item is frame decoding
and sampling (once per video, shared by its questions), prompt building, the fsynced
JSON line and the bookkeeping. The target is under 50 ms per item.

Usage: python benchmarks/runner_overhead.py [--videos 24]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from favor_hf.data.favor_json import load_video_records
from favor_hf.models.base import ModelAdapter, ModelInput
from favor_hf.results import read_results
from favor_hf.runner import Sampling, run_benchmark
from favor_hf.synth import make_synthetic_benchmark


class NoOpAdapter(ModelAdapter):
    """Takes frames, answers nothing, costs nothing."""

    name = "noop:0"

    def generate(self, inputs: list[ModelInput]) -> list[str]:
        return ["" for _ in inputs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=24)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        make_synthetic_benchmark(Path(tmp) / "synth", n=args.videos, seed=0)
        records = load_video_records(Path(tmp) / "synth")
        print(f"{args.videos} synthetic clips (192x144, 3 s, 12 fps)")
        Sampling(frames=8).sample(records[0]["video_path"])  # warm-up: load the decoder once
        for sampling in (Sampling(fps=1.0), Sampling(frames=8), Sampling(frames=32)):
            out = Path(tmp) / f"{sampling.label}.jsonl"
            summary = run_benchmark(NoOpAdapter(), records, "mcq", out, sampling=sampling, progress=False)
            lines = read_results(out).records
            decode = sum(line["timing"]["frames_s"] for line in lines)
            per_item = 1000 * summary.seconds / summary.answered
            print(
                f"sampling {sampling.label:>22}: {summary.answered} items in {summary.seconds:.2f} s = "
                f"{per_item:.1f} ms/item runner overhead (worker time decoding frames: {1000 * decode / len(lines):.1f} ms/item) "
                f"[{'OK' if per_item < 50 else 'OVER'}: target < 50 ms]"
            )


if __name__ == "__main__":
    main()
