"""Speed and memory of the LLM-free caption metric, end to end (extraction included).

Scores all 1,776 references of ``FAVOR_gt_annotations.json`` against 1,776 predictions
(each video's ground-truth caption) with all-MiniLM-L6-v2 on the CPU, then times one
10,000-character caption. Prints per-video time, the ratio to the official pipeline
(step 1 + step 2: about 2.9 s per video on this machine) and the peak resident memory.

    python benchmarks/caption_speed.py [--shared ../shared] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

OFFICIAL_SECONDS_PER_VIDEO = 2.9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N videos")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    args = parser.parse_args()
    os.environ.setdefault("NLTK_DATA", str(args.shared / "nltk_data"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    dictionary = str(args.shared / "favor" / "official" / "action_extraction_dicts.pkl")

    import torch

    from favor_hf.caption import MINILM_MODEL, score_captions

    if args.threads:
        torch.set_num_threads(args.threads)

    annotations = json.loads((args.shared / "favor" / "official" / "FAVOR_gt_annotations.json").read_text())
    videos = list(annotations)[: args.limit]
    captions = [annotations[video]["caption"] for video in videos]
    references = [annotations[video] for video in videos]
    load = os.getloadavg()

    score_captions(captions[:1], references[:1], model_name=MINILM_MODEL, dictionary_path=dictionary)  # load model
    start = time.perf_counter()
    result = score_captions(
        captions, references, model_name=MINILM_MODEL, dictionary_path=dictionary, batch_size=args.batch_size
    )
    elapsed = time.perf_counter() - start
    per_video = elapsed / len(videos)
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

    long_caption = ("The man in the red shirt walks to the door, opens it and the camera pans left. " * 130)[:10_000]
    start = time.perf_counter()
    score_captions([long_caption], references[:1], model_name=MINILM_MODEL, dictionary_path=dictionary)
    long_seconds = time.perf_counter() - start

    print(f"videos: {len(videos)} (predictions: the ground-truth captions), model {result['model_name']}")
    print(f"load average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs, "
          f"torch threads: {torch.get_num_threads()}, batch size: {args.batch_size}")
    print(f"total: {elapsed:.1f} s, per video: {per_video:.4f} s")
    print(f"speed-up over the official {OFFICIAL_SECONDS_PER_VIDEO} s/video: {OFFICIAL_SECONDS_PER_VIDEO / per_video:.1f}x")
    print(f"peak memory (ru_maxrss): {peak_gib:.2f} GiB")
    print(f"10,000-character caption: {long_seconds:.2f} s")
    print(f"mean final_score: {result['final_score']:.4f}")


if __name__ == "__main__":
    main()
