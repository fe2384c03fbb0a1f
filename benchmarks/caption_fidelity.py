"""Fidelity of the LLM-free caption metric to the official scorer, on the public reference set.

Uses ``shared/favor/reference`` (120 captions scored by the official pipeline with
all-MiniLM-L6-v2) and prints:

(a) step 2 alone: the official step-1 extractions of hash seeds 0..4 scored by
    favor_hf against the official isolated per-video scores (max abs difference, videos
    beyond 1e-6);
(b) end to end: favor_hf's own extraction and scoring of the captions against the official
    range over seeds 0..4: share of videos whose final_score lies in [min - 0.01, max + 0.01],
    and each mean score's distance to the official mean (the mean over seeds 0..4; the
    largest distance to a single seed's mean is shown too);
plus the share of captions whose extraction equals the official one under some seed 0..9.

    python benchmarks/caption_fidelity.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

STEP2_SEEDS = range(5)
EXTRACT_SEEDS = range(10)


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    args = parser.parse_args()
    os.environ.setdefault("NLTK_DATA", str(args.shared / "nltk_data"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from favor_hf.caption import MINILM_MODEL, score_captions
    from favor_hf.caption.extract import EXTRACTION_FIELDS
    from favor_hf.schema import CAPTION_SCORE_KEYS

    reference_dir = args.shared / "favor" / "reference"
    dictionary = str(args.shared / "favor" / "official" / "action_extraction_dicts.pkl")
    annotations = _read(args.shared / "favor" / "official" / "FAVOR_gt_annotations.json")
    captions = _read(reference_dir / "captions.json")
    videos = list(captions)
    references = [annotations[video] for video in videos]
    official = {seed: _read(reference_dir / f"official_scores_isolated.seed{seed}.json") for seed in STEP2_SEEDS}

    print(f"(a) step 2 alone, {len(videos)} videos x 13 scores, official step-1 output as predictions")
    for seed in STEP2_SEEDS:
        extraction = _read(reference_dir / f"official_extract.seed{seed}.json")
        result = score_captions([extraction[v] for v in videos], references, model_name=MINILM_MODEL,
                                dictionary_path=dictionary, return_details=True)
        worst = 0.0
        off = 0
        for video, detail in zip(videos, result["details"]):
            diff = max(abs(detail[key] - official[seed][video][key]) for key in CAPTION_SCORE_KEYS)
            worst = max(worst, diff)
            off += diff > 1e-6
        print(f"  seed {seed}: max |diff| {worst:.2e}, videos beyond 1e-6: {off}/{len(videos)}")

    result = score_captions([captions[v] for v in videos], references, model_name=MINILM_MODEL,
                            dictionary_path=dictionary, return_details=True)
    details = dict(zip(videos, result["details"]))

    extractions = {seed: _read(reference_dir / f"official_extract.seed{seed}.json") for seed in EXTRACT_SEEDS}
    same = sum(
        any(all(details[v]["extraction"][f] == extractions[s][v][f] for f in EXTRACTION_FIELDS) for s in EXTRACT_SEEDS)
        for v in videos
    )
    print(f"(b) end to end with favor_hf's extraction, model {result['model_name']}")
    print(f"  extraction equal to the official one under some seed 0..9: {same}/{len(videos)} ({same / len(videos):.1%})")
    inside = 0
    outside = []
    for video in videos:
        finals = [official[seed][video]["final_score"] for seed in STEP2_SEEDS]
        ours = details[video]["final_score"]
        if min(finals) - 0.01 <= ours <= max(finals) + 0.01:
            inside += 1
        else:
            outside.append(f"{video} {ours:.4f} vs [{min(finals):.4f}, {max(finals):.4f}]")
    print(f"  final_score within the official seed range +-0.01: {inside}/{len(videos)} ({inside / len(videos):.1%})")
    for line in outside:
        print(f"    outside: {line}")
    print("  mean scores: ours | official (mean over seeds 0..4) | |difference| | largest |ours - one seed's mean|")
    largest = 0.0
    for key in CAPTION_SCORE_KEYS:
        seed_means = [sum(official[s][v][key] for v in videos) / len(videos) for s in STEP2_SEEDS]
        official_mean = sum(seed_means) / len(seed_means)
        per_seed = max(abs(result[key] - mean) for mean in seed_means)
        largest = max(largest, abs(result[key] - official_mean))
        print(f"    {key:<26}{result[key]:.4f}  {official_mean:.4f}  {abs(result[key] - official_mean):.4f}  {per_seed:.4f}")
    print(f"  largest |ours - official mean| over the 13 scores: {largest:.4f}")


if __name__ == "__main__":
    main()
