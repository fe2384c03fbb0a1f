"""Fidelity of the LLM-free caption metric to the official scorer, on the public reference set.

Uses ``shared/favor/reference`` (120 captions scored by the official pipeline with
all-MiniLM-L6-v2) and prints:

(a) step 1: for each hash seed 0..9, the captions whose extraction with
    ``official_hash_seed=N`` equals the official extraction under ``PYTHONHASHSEED=N``;
(b) step 2 alone: the official step-1 extractions of seeds 0..4 scored by favor_hf against
    the official isolated per-video scores (largest difference, videos beyond 1e-6);
(c) end to end: favor_hf's own extraction and scoring of the captions under seed N against
    the official scores of seed N (videos beyond 1e-6, largest difference of a mean).

    python benchmarks/caption_fidelity.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

STEP2_SEEDS = range(5)
EXTRACT_SEEDS = range(10)


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _compare(videos: list[str], details: list[dict], official: dict, keys) -> tuple[float, int, float, dict]:
    """Largest per-video difference, videos beyond 1e-6, largest difference of a mean, and the means."""
    worst, beyond = 0.0, 0
    for video, detail in zip(videos, details):
        diff = max(abs(detail[key] - official[video][key]) for key in keys)
        worst = max(worst, diff)
        beyond += diff > 1e-6
    means = {key: sum(d[key] for d in details) / len(details) for key in keys}
    official_means = {key: sum(official[v][key] for v in videos) / len(videos) for key in keys}
    return worst, beyond, max(abs(means[k] - official_means[k]) for k in keys), means


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    args = parser.parse_args()
    os.environ.setdefault("NLTK_DATA", str(args.shared / "nltk_data"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from favor_hf.caption import MINILM_MODEL, score_captions
    from favor_hf.caption.extract.extractor import EXTRACTION_FIELDS, CaptionExtractor
    from favor_hf.resources import load_word_lists
    from favor_hf.schema import CAPTION_SCORE_KEYS

    reference_dir = args.shared / "favor" / "reference"
    dictionary = str(args.shared / "favor" / "official" / "action_extraction_dicts.pkl")
    annotations = _read(args.shared / "favor" / "official" / "FAVOR_gt_annotations.json")
    captions = _read(reference_dir / "captions.json")
    videos = list(captions)
    references = [annotations[video] for video in videos]
    extractions = {seed: _read(reference_dir / f"official_extract.seed{seed}.json") for seed in EXTRACT_SEEDS}
    official = {seed: _read(reference_dir / f"official_scores_isolated.seed{seed}.json") for seed in STEP2_SEEDS}
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{len(videos)} reference captions, model {MINILM_MODEL}"
    )

    print("(a) step 1: extraction equal to the official run under the same PYTHONHASHSEED")
    words = load_word_lists(dictionary)
    for seed in EXTRACT_SEEDS:
        extractor = CaptionExtractor(words, official_hash_seed=seed)
        same = sum(all(extractor(captions[v])[f] == extractions[seed][v][f] for f in EXTRACTION_FIELDS) for v in videos)
        print(f"  seed {seed}: {same}/{len(videos)}")

    print("(b) step 2 alone, official step-1 output as predictions, 13 scores per video")
    for seed in STEP2_SEEDS:
        result = score_captions(
            [extractions[seed][v] for v in videos],
            references,
            model_name=MINILM_MODEL,
            dictionary_path=dictionary,
            return_details=True,
        )
        worst, beyond, _, _ = _compare(videos, result["details"], official[seed], CAPTION_SCORE_KEYS)
        print(f"  seed {seed}: max |diff| {worst:.2e}, videos beyond 1e-6: {beyond}/{len(videos)}")

    print("(c) end to end: favor_hf's extraction and scores under seed N vs the official run under seed N")
    for seed in STEP2_SEEDS:
        result = score_captions(
            [captions[v] for v in videos],
            references,
            model_name=MINILM_MODEL,
            dictionary_path=dictionary,
            return_details=True,
            official_hash_seed=seed,
        )
        worst, beyond, mean_diff, means = _compare(videos, result["details"], official[seed], CAPTION_SCORE_KEYS)
        print(
            f"  seed {seed}: videos beyond 1e-6: {beyond}/{len(videos)} (max |diff| {worst:.2e}); "
            f"mean final_score {means['final_score']:.4f}, largest |mean diff| {mean_diff:.2e}"
        )
    print(f"signature (seed 4): {result['signature']}")


if __name__ == "__main__":
    main()
