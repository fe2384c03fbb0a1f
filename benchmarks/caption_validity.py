"""How the LLM-free caption score treats right, wrong and empty captions, on the real annotations.

Scores captions derived from each sampled video's own reference caption (the ``caption``
field of ``FAVOR_gt_annotations.json``) against that video's annotation:

- reference: the caption itself (the ceiling of :mod:`favor_hf.caption.analysis.validity`);
- verb synonyms: common motion verbs replaced by synonyms (same meaning);
- 40 % of clauses dropped (seeded);
- directions flipped: left/right, up/down, forward/backward, clockwise/counterclockwise swapped (wrong);
- another video's caption (seeded derangement);
- a static scene description and the constant generic caption of the ``random`` baseline;
- the empty caption.

Prints, per variant, the mean ``final_score``, the normalised score (score - generic) /
(reference - generic) and the videos whose matched pairs have a direction conflict
(:func:`favor_hf.caption.analysis.validity.direction_conflicts`); ``--out`` writes them as JSON.

Usage (offline):
    FAVOR_DICTIONARY_PATH=../shared/favor/official/action_extraction_dicts.pkl NLTK_DATA=../shared/nltk_data \\
        python benchmarks/caption_validity.py --videos 300 --seed 0 --out validity.json
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import time
from pathlib import Path

from favor_hf.caption import score_captions
from favor_hf.caption.analysis.validity import direction_conflicts, normalised_score
from favor_hf.prompts import GENERIC_CAPTION

DEFAULT_ANNOTATIONS = Path(__file__).resolve().parents[1].parent / "shared/favor/official/FAVOR_gt_annotations.json"
STATIC_SCENE = "A kitchen with white cabinets, a wooden table and a window; the light is soft and the walls are beige."
SYNONYMS = {
    "walks": "strolls",
    "walk": "stroll",
    "turns": "rotates",
    "turn": "rotate",
    "raises": "lifts",
    "lowers": "drops",
    "looks": "gazes",
    "runs": "jogs",
    "moves": "shifts",
    "picks": "lifts",
    "holds": "grips",
    "places": "puts",
    "puts": "places",
    "sits": "settles",
    "stands": "rises",
    "nods": "bobs",
    "shakes": "wobbles",
    "opens": "unlocks",
    "speaks": "talks",
    "talks": "speaks",
    "smiles": "grins",
    "grabs": "seizes",
    "pushes": "shoves",
    "pulls": "drags",
    "jumps": "leaps",
    "bends": "stoops",
    "waves": "gestures",
    "touches": "taps",
    "throws": "tosses",
}
FLIPS = {
    "left": "right",
    "right": "left",
    "up": "down",
    "down": "up",
    "upward": "downward",
    "downward": "upward",
    "forward": "backward",
    "backward": "forward",
    "clockwise": "counterclockwise",
    "counterclockwise": "clockwise",
    "upwards": "downwards",
    "downwards": "upwards",
    "leftward": "rightward",
    "rightward": "leftward",
}
_WORD = re.compile(r"[A-Za-z]+")


def _replace_words(text: str, table: dict[str, str]) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        new = table.get(word.lower())
        if new is None:
            return word
        return new.capitalize() if word[0].isupper() else new

    return _WORD.sub(swap, text)


def drop_clauses(text: str, fraction: float, rng: random.Random) -> str:
    """The caption without ``fraction`` of its comma-separated clauses (at least one kept)."""
    clauses = [c.strip() for c in re.split(r"[,;]", text.rstrip(".")) if c.strip()]
    keep = max(1, round(len(clauses) * (1 - fraction)))
    kept = sorted(rng.sample(range(len(clauses)), keep))
    return ", ".join(clauses[i] for i in kept) + "."


def variants(annotations: dict[str, dict], videos: list[str], seed: int) -> dict[str, list[str]]:
    """The captions of each variant, one per video, in ``videos`` order."""
    rng = random.Random(seed)
    captions = [annotations[v]["caption"] for v in videos]
    shift = rng.randrange(1, len(videos)) if len(videos) > 1 else 0
    return {
        "reference caption": captions,
        "verb synonyms": [_replace_words(c, SYNONYMS) for c in captions],
        "40% of clauses dropped": [drop_clauses(c, 0.4, rng) for c in captions],
        "directions flipped": [_replace_words(c, FLIPS) for c in captions],
        "another video's caption": [captions[(i + shift) % len(captions)] for i in range(len(captions))],
        "static scene description": [STATIC_SCENE] * len(videos),
        "constant generic caption": [GENERIC_CAPTION] * len(videos),
        "empty caption": [""] * len(videos),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotations", type=Path, default=DEFAULT_ANNOTATIONS)
    parser.add_argument("--videos", type=int, default=300, help="seeded sample size (0: all videos)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    annotations = json.loads(args.annotations.read_text())
    names = sorted(v for v, a in annotations.items() if (a.get("caption") or "").strip())
    videos = names if args.videos <= 0 else sorted(random.Random(args.seed).sample(names, min(args.videos, len(names))))
    references = [annotations[v] for v in videos]
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    started = time.perf_counter()
    results = {}
    for name, captions in variants(annotations, videos, args.seed).items():
        scored = score_captions(captions, references, model_name=args.model, return_details=True)
        conflicts = [direction_conflicts(video.get("alignment") or {}) for video in scored["details"]]
        results[name] = {
            "final_score": scored["final_score"],
            "videos_with_direction_conflicts": sum(bool(c) for c in conflicts),
            "direction_conflicts": sum(len(c) for c in conflicts),
        }
    ceiling, floor = results["reference caption"]["final_score"], results["constant generic caption"]["final_score"]
    for row in results.values():
        row["normalised"] = normalised_score(row["final_score"], floor, ceiling)
    seconds = time.perf_counter() - started
    sample = "all" if args.videos <= 0 else f"a seeded sample (seed {args.seed}) of"
    print(
        f"{sample} {len(videos)} of {len(annotations)} annotated videos, model {args.model}, {seconds:.0f} s; "
        f"load before: {load}"
    )
    print("| caption | final_score | normalised (ours) | videos with a direction conflict |")
    print("|---|---|---|---|")
    for name, row in results.items():
        print(
            f"| {name} | {row['final_score']:.3f} | {row['normalised']:.2f} | "
            f"{row['videos_with_direction_conflicts']} / {len(videos)} |"
        )
    if args.out:
        args.out.write_text(
            json.dumps(
                {
                    "videos": len(videos),
                    "seed": args.seed,
                    "model": args.model,
                    "load": load,
                    "seconds": seconds,
                    "results": results,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
