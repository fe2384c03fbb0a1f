"""Throughput of the openai adapter against a local server whose every answer takes 200 ms.

Runs the MCQ task over synthetic clips through two replicas of a real OpenAI-compatible
HTTP server on 127.0.0.1 (``tests/chat_server.py``), at several ``--concurrency``
levels. The target is at least 5x the throughput of concurrency 1 at concurrency 8.

Usage: python benchmarks/openai_concurrency.py [--items 40] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from chat_server import ChatServer

from favor_hf.data.favor_json import load_video_records
from favor_hf.models import load_adapter
from favor_hf.runner import Sampling, run_benchmark
from favor_hf.synth import make_synthetic_benchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the server takes per answer")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        ChatServer(delay=args.delay) as first,
        ChatServer(delay=args.delay) as second,
    ):
        make_synthetic_benchmark(Path(tmp) / "synth", n=max(2, args.items // 4), seed=0)
        records = load_video_records(Path(tmp) / "synth")
        rates: dict[int, float] = {}
        for concurrency in (1, 8, 16):
            adapter = load_adapter("openai:bench", base_url=[first.base_url, second.base_url])
            summary = run_benchmark(
                adapter,
                records,
                "mcq",
                Path(tmp) / f"c{concurrency}.jsonl",
                sampling=Sampling(frames=8),
                limit=args.items,
                concurrency=concurrency,
                progress=False,
            )
            adapter.close()
            rates[concurrency] = summary.answered / summary.seconds
            print(
                f"concurrency {concurrency:>2}: {summary.answered} items in {summary.seconds:.2f} s = "
                f"{rates[concurrency]:.2f} items/s ({rates[concurrency] / rates[1]:.1f}x concurrency 1)"
            )
        speedup = rates[8] / rates[1]
        print(f"speed-up at concurrency 8: {speedup:.1f}x [{'OK' if speedup >= 5 else 'UNDER'}: target >= 5x]")


if __name__ == "__main__":
    main()
