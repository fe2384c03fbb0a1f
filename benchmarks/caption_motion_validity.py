"""Does the caption score see motion? The official score and the motion-aware companion, side by side.

From each sampled video's reference caption (the ``caption`` field of
``FAVOR_gt_annotations.json``) this builds captions that are wrong about motion and captions
that say the same thing in other words, scores them all against the video's annotation with
``score_captions(..., motion_aware=True)`` (one run gives both numbers), and compares each to
the reference caption's score:

- corruptions: a **mirror** (every direction and directed action reversed, in varied wordings:
  "to the left" -> "rightward", "picks up" -> "puts down", "enters" -> "leaves", left and right
  hands swapped as in a mirrored clip), **reversed chronology**, twice: the sentences after
  the first in reverse order, each as written (the issue's reversal), and the clauses after
  the first in reverse order, joined by commas (compared with the reference caption, and
  with the same clauses joined the same way in the original order, which holds step 1's
  reading of the formatting equal), **negated actions** ("walks" -> "does not walk"), a
  **wrong subject** (man <-> woman, boy <-> girl, ...), the constant generic caption and the
  empty caption. Reported: the share of videos where the reference caption scores higher,
  over the videos whose clauses the corruption changed (and their count), the mean change of
  the score over them, and how many of them step 1 extracts exactly as it extracts the caption
  compared with ("same extraction": no score reading only the extraction can tell those
  apart, so ``1 - same / changed`` bounds the share any such score reaches; the companion
  also reads the caption, for negations only);
- rewrites that keep the meaning: verb and direction synonyms, clause reordering that keeps
  the temporal order ("B, after A"), active -> passive, a bullet list, a "The video shows ..."
  opener. Reported: the mean absolute change of the score;
- model-style captions (:func:`caption_speed.model_style_caption`: numbered markdown,
  headed bullet lists, repetitive prose) of annotations with seeded errors (a share of the
  actions dropped; in a second set also a share of the directions flipped): Spearman's rank
  correlation of the official and the companion score over the videos.

Usage (offline; a few minutes per 100 videos on 2 cores):
    FAVOR_DICTIONARY_PATH=../shared/favor/official/action_extraction_dicts.pkl NLTK_DATA=../shared/nltk_data \\
        python benchmarks/caption_motion_validity.py --videos 500 --seed 0 --out motion_validity.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from caption_speed import model_style_caption  # noqa: E402
from caption_validity import DEFAULT_ANNOTATIONS, SYNONYMS  # noqa: E402

from favor_hf.caption import MINILM_MODEL, score_captions  # noqa: E402
from favor_hf.models.random_guess import GENERIC_CAPTION  # noqa: E402

MIRROR: dict[str, list[str]] = {
    "to the left": ["to the right", "rightward", "toward the right"],
    "to the right": ["to the left", "leftward", "toward the left"],
    "to his left": ["to his right"],
    "to his right": ["to his left"],
    "to her left": ["to her right"],
    "to her right": ["to her left"],
    "left": ["right"],
    "right": ["left"],
    "leftward": ["rightward"],
    "rightward": ["leftward"],
    "leftwards": ["rightwards"],
    "rightwards": ["leftwards"],
    "upward": ["downward", "down"],
    "downward": ["upward", "up"],
    "upwards": ["downwards"],
    "downwards": ["upwards"],
    "upper": ["lower"],
    "lower": ["upper"],
    "up": ["down"],
    "down": ["up"],
    "picks up": ["puts down", "sets down"],
    "puts down": ["picks up"],
    "stands up": ["sits down"],
    "sits down": ["stands up", "gets up"],
    "gets up": ["sits down", "lies down"],
    "lies down": ["gets up"],
    "bends down": ["straightens up"],
    "raises": ["lowers"],
    "lifts": ["lowers"],
    "lowers": ["raises", "lifts"],
    "rises": ["sinks down"],
    "forward": ["backward", "back"],
    "forwards": ["backwards"],
    "backward": ["forward", "ahead"],
    "backwards": ["forwards"],
    "toward": ["away from"],
    "towards": ["away from"],
    "away from": ["toward"],
    "approaches": ["moves away from"],
    "enters": ["exits", "leaves"],
    "exits": ["enters"],
    "leaves": ["enters"],
    "into": ["out of"],
    "out of": ["into"],
    "zooms in": ["zooms out"],
    "zooms out": ["zooms in"],
    "clockwise": ["counterclockwise", "counter-clockwise", "anticlockwise"],
    "counterclockwise": ["clockwise"],
    "counter-clockwise": ["clockwise"],
    "opens": ["closes", "shuts"],
    "closes": ["opens"],
}
"""Phrase -> its mirror wordings (one is drawn per occurrence, seeded); longer phrases first."""

DIRECTION_SYNONYMS = {
    "to the left": "leftward",
    "to the right": "rightward",
    "forward": "ahead",
    "upward": "up",
    "downward": "down",
    "counterclockwise": "anticlockwise",
}
SUBJECT_SWAP = {
    "man": "woman",
    "woman": "man",
    "men": "women",
    "women": "men",
    "boy": "girl",
    "girl": "boy",
    "he": "she",
    "she": "he",
    "his": "her",
    "her": "his",
    "dog": "cat",
    "cat": "dog",
    "child": "old man",
}
PASSIVE = {
    "picks up": "picked up",
    "opens": "opened",
    "closes": "closed",
    "holds": "held",
    "takes": "taken",
    "places": "placed",
    "puts": "put",
    "pushes": "pushed",
    "pulls": "pulled",
    "grabs": "grabbed",
    "touches": "touched",
    "raises": "raised",
    "lowers": "lowered",
    "throws": "thrown",
    "lifts": "lifted",
    "moves": "moved",
    "turns": "turned",
    "hands": "handed",
    "drinks": "drunk",
    "eats": "eaten",
}
_PREPOSITIONS = {"on", "in", "into", "out", "to", "from", "with", "onto", "at", "off", "toward", "towards", "while"}
_DETERMINERS = ("the ", "a ", "an ", "his ", "her ", "their ", "its ", "one ", "both ", "some ")


def _phrase_pattern(table: dict[str, Any]) -> re.Pattern[str]:
    keys = sorted(table, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(k) for k in keys) + r")\b", re.IGNORECASE)


def _keep_case(old: str, new: str) -> str:
    return new[:1].upper() + new[1:] if old[:1].isupper() else new


def replace_phrases(text: str, table: dict[str, Any], rng: random.Random | None = None) -> str:
    """``text`` with each phrase of ``table`` replaced (a drawn choice when the value is a list)."""

    def swap(match: re.Match[str]) -> str:
        value = table[match.group(0).lower()]
        new = rng.choice(value) if isinstance(value, list) and rng else value[0] if isinstance(value, list) else value
        return _keep_case(match.group(0), new)

    return _phrase_pattern(table).sub(swap, text)


_CONNECTIVE = re.compile(
    r"^(?:and|then|finally|subsequently|afterwards|after that|next|later|meanwhile)\b[\s,]*", re.IGNORECASE
)


def clauses(text: str) -> list[str]:
    """The caption's clauses: split at sentence ends, commas and semicolons and at "then"; leading
    connectives ("and", "then", "Finally,", "Subsequently,", ...) dropped, so that none is left as
    a clause of its own or moved to a wrong place by a reordering."""
    out = []
    for part in re.split(r"[.;,]\s*|\s+and then\s+|\s+then\s+", text.strip().rstrip(".")):
        part = part.strip()
        while (stripped := _CONNECTIVE.sub("", part)) != part:
            part = stripped.strip()
        if part:
            out.append(part)
    return out


def sentences(text: str) -> list[str]:
    """The caption's sentences, split after ``.``, ``!`` or ``?``."""
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def join_clauses(parts: list[str]) -> str:
    return (", ".join(parts) + ".")[:1].upper() + (", ".join(parts) + ".")[1:] if parts else ""


def reverse_chronology(text: str) -> str:
    """The clauses after the first in reverse order, joined by commas."""
    parts = clauses(text)
    return join_clauses(parts[:1] + parts[1:][::-1])


def reverse_sentences(text: str) -> str:
    """The sentences after the first in reverse order, each kept as written (the issue's reversal)."""
    parts = sentences(text)
    return " ".join(parts[:1] + parts[1:][::-1])


def negate(
    text: str,
    lemmatize: Callable[[str], str],
    tag: Callable[[list[str]], list[tuple[str, str]]],
    verbs: set[str],
) -> str:
    """Each clause's first present-tense verb ``walks`` -> ``does not walk`` (a VBZ tag, or a
    word ending in s whose lemma is one of the official ``COMMON_VERBS``)."""
    out = []
    for clause in clauses(text):
        words = clause.split()
        for i, (word, pos) in enumerate(tag(words)):
            lower = word.lower().strip(",.")
            lemma = lemmatize(lower)
            is_verb = pos == "VBZ" or (i and lower.endswith("s") and lemma != lower and lemma in verbs)
            if is_verb and lower not in ("is", "has", "does"):
                words[i] = "does not " + lemma
                break
        out.append(" ".join(words))
    return join_clauses(out)


def passive(text: str) -> str:
    """Clauses ``<the subject> <verb>s <the object> <rest>`` -> ``<the object> is <verb>ed <rest> by <the subject>``."""
    out = []
    pattern = _phrase_pattern(PASSIVE)
    for clause in clauses(text):
        match = pattern.search(clause)
        subject = clause[: match.start()].strip() if match else ""
        rest = clause[match.end() :].strip() if match else ""
        if match and subject.lower().startswith(_DETERMINERS) and rest.lower().startswith(_DETERMINERS):
            words = rest.split()
            cut = next((i for i, w in enumerate(words) if i and w.lower() in _PREPOSITIONS), len(words))
            obj, tail = " ".join(words[:cut]), " ".join(words[cut:])
            verb = PASSIVE[match.group(0).lower()]
            clause = f"{obj} is {verb}{' ' + tail if tail else ''} by {subject[:1].lower() + subject[1:]}"
        out.append(clause)
    return join_clauses(out)


def keep_order_reordered(text: str) -> str:
    """The first two clauses A, B as ``B, after A``: the clause order changes, the event order does not."""
    parts = clauses(text)
    if len(parts) < 2:
        return text
    first, second = parts[0], parts[1]
    return join_clauses([f"{second} after {first[:1].lower() + first[1:]}", *parts[2:]])


def bullets(text: str) -> str:
    return "\n".join(f"- {part[:1].upper() + part[1:]}." for part in clauses(text))


def flawed_annotation(annotation: dict[str, Any], rng: random.Random, flips: bool) -> dict[str, Any]:
    """The annotation with a share of its chronological actions dropped and, with ``flips``,
    a share of its directions flipped."""
    flip_share = rng.choice([0.0, 0.3, 0.7, 1.0]) if flips else 0.0
    drop_share = rng.choice([0.0, 0.2, 0.5])

    def flip(text: str) -> str:
        return _phrase_pattern(MIRROR).sub(
            lambda m: (
                _keep_case(m.group(0), MIRROR[m.group(0).lower()][0]) if rng.random() < flip_share else m.group(0)
            ),
            text,
        )

    steps = [s for s in re.split(r",\s*(?=[^()]*\()", annotation["chronological_motion_list"]) if s.strip()]
    kept = [s for s in steps if rng.random() >= drop_share] or steps[:1]
    return {
        **annotation,
        "camera_motion": flip(annotation["camera_motion"]),
        "motion_list": flip(annotation["motion_list"]),
        "chronological_motion_list": flip(", ".join(kept)),
    }


def build_variants(references: list[dict[str, Any]], seed: int) -> dict[str, list[str]]:
    from nltk import pos_tag
    from nltk.stem import WordNetLemmatizer

    from favor_hf.resources import load_word_lists

    lemmatizer = WordNetLemmatizer()
    verbs = set(load_word_lists()["COMMON_VERBS"])
    rng = random.Random(seed)
    captions = [ref["caption"] for ref in references]
    return {
        "reference caption": captions,
        "mirror": [replace_phrases(c, MIRROR, rng) for c in captions],
        "reversed chronology (sentences)": [reverse_sentences(c) for c in captions],
        "reversed chronology (clauses)": [reverse_chronology(c) for c in captions],
        "negated actions": [negate(c, lambda w: lemmatizer.lemmatize(w, "v"), pos_tag, verbs) for c in captions],
        "wrong subject": [replace_phrases(c, SUBJECT_SWAP) for c in captions],
        "constant generic caption": [GENERIC_CAPTION] * len(captions),
        "empty caption": [""] * len(captions),
        "synonyms (verbs, directions)": [
            replace_phrases(replace_phrases(c, SYNONYMS), DIRECTION_SYNONYMS) for c in captions
        ],
        "clauses reordered, same event order": [keep_order_reordered(c) for c in captions],
        "clauses re-joined, same order": [join_clauses(clauses(c)) for c in captions],
        "active -> passive": [passive(c) for c in captions],
        "bullet list": [bullets(c) for c in captions],
        '"The video shows ..." opener': ["The video shows " + c[:1].lower() + c[1:] for c in captions],
        **{
            name: [model_style_caption(flawed_annotation(ref, rng, flips), i % 3) for i, ref in enumerate(references)]
            for name, flips in MODEL_STYLE.items()
        },
    }


CORRUPTIONS = {
    "mirror": "reference caption",
    "reversed chronology (sentences)": "reference caption",
    "reversed chronology (clauses)": "reference caption",
    "reversed chronology (clauses), vs the same clauses in order": "clauses re-joined, same order",
    "negated actions": "reference caption",
    "wrong subject": "reference caption",
    "constant generic caption": "reference caption",
    "empty caption": "reference caption",
}
"""Corruption -> the caption it is compared with; the last reversed-chronology row compares the
clause reversal with the same clauses, joined the same way, in the original order (formatting
held equal)."""
REWRITES = (
    "synonyms (verbs, directions)",
    "clauses reordered, same event order",
    "clauses re-joined, same order",
    "active -> passive",
    "bullet list",
    '"The video shows ..." opener',
)
MODEL_STYLE = {"model-style, dropped actions": False, "model-style, dropped actions and flipped directions": True}
SCORES = {"official": "final_score", "companion": "motion_score"}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def extraction(video: dict[str, Any]) -> str:
    """What step 1 extracted from a caption: two captions with equal extractions get equal scores
    from any rule that reads only the extraction (the companion reads the caption for negations)."""
    return json.dumps(video["extraction"], sort_keys=True)


def summarise(variants: dict[str, list[str]], scored: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    from scipy.stats import spearmanr

    reference = scored["reference caption"]
    rows: dict[str, Any] = {}
    for name, base in CORRUPTIONS.items():
        variant = variants[name.split(",")[0]]
        changed = [i for i, c in enumerate(variant) if clauses(c) != clauses(variants["reference caption"][i])]
        same = sum(extraction(scored[name.split(",")[0]][i]) == extraction(scored[base][i]) for i in changed)
        row: dict[str, Any] = {"changed_videos": len(changed), "same_extraction": same, "compared_with": base}
        for label, key in SCORES.items():
            deltas = [scored[name.split(",")[0]][i][key] - scored[base][i][key] for i in changed]
            row[label] = {
                "reference_higher": _mean([float(d < 0) for d in deltas]),
                "mean_change": _mean(deltas),
            }
        rows[name] = row
    for name in REWRITES:
        rows[name] = {
            label: {"mean_abs_change": _mean([abs(v[key] - r[key]) for v, r in zip(scored[name], reference)])}
            for label, key in SCORES.items()
        }
    for name in MODEL_STYLE:
        model = scored[name]
        rho = spearmanr([v["final_score"] for v in model], [v["motion_score"] for v in model]).statistic
        rows[name] = {
            "videos": len(model),
            "spearman": float(rho),
            "official": {"mean": _mean([v["final_score"] for v in model])},
            "companion": {"mean": _mean([v["motion_score"] for v in model])},
        }
    return rows


def print_table(rows: dict[str, Any], header: str) -> None:
    print(header)
    print(
        "| corruption | videos changed | same extraction | reference higher: official | companion | "
        "mean change: official | companion |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in CORRUPTIONS:
        row = rows[name]
        o, c = row["official"], row["companion"]
        print(
            f"| {name} | {row['changed_videos']} | {row['same_extraction']} | {o['reference_higher']:.1%} | "
            f"{c['reference_higher']:.1%} | "
            f"{o['mean_change']:+.3f} | {c['mean_change']:+.3f} |"
        )
    print()
    print("| meaning-preserving rewrite | mean abs change: official | companion |")
    print("|---|---|---|")
    for name in REWRITES:
        row = rows[name]
        print(f"| {name} | {row['official']['mean_abs_change']:.4f} | {row['companion']['mean_abs_change']:.4f} |")
    print()
    print("| model-style captions | videos | Spearman(official, companion) | mean official | mean companion |")
    print("|---|---|---|---|---|")
    for name in MODEL_STYLE:
        row = rows[name]
        print(
            f"| {name} | {row['videos']} | {row['spearman']:.3f} | {row['official']['mean']:.3f} | "
            f"{row['companion']['mean']:.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotations", type=Path, default=DEFAULT_ANNOTATIONS)
    parser.add_argument("--videos", type=int, default=500, help="seeded sample size (0: all videos)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=MINILM_MODEL)
    parser.add_argument("--out", type=Path, help="write the table's numbers and the captions as JSON")
    args = parser.parse_args()

    annotations = json.loads(args.annotations.read_text())
    names = sorted(v for v, a in annotations.items() if (a.get("caption") or "").strip())
    videos = names if args.videos <= 0 else sorted(random.Random(args.seed).sample(names, min(args.videos, len(names))))
    references = [annotations[v] for v in videos]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()
    variants = build_variants(references, args.seed)
    flat = [caption for captions in variants.values() for caption in captions]
    result = score_captions(
        flat, references * len(variants), model_name=args.model, return_details=True, motion_aware=True
    )
    details = result["details"]
    scored = {name: details[k * len(videos) : (k + 1) * len(videos)] for k, name in enumerate(variants)}
    rows = summarise(variants, scored)
    seconds = time.perf_counter() - started
    sample = "all" if args.videos <= 0 else f"a seeded sample (seed {args.seed}) of"
    print_table(
        rows,
        f"{sample} {len(videos)} of {len(annotations)} annotated videos, model {args.model}, {seconds:.0f} s; "
        f"load average before {load}, after {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
        f"official signature {result['signature']}\ncompanion signature {result['motion_signature']}\n",
    )
    if args.out:
        args.out.write_text(
            json.dumps(
                {
                    "videos": videos,
                    "seed": args.seed,
                    "model": args.model,
                    "load_before": load,
                    "seconds": seconds,
                    "signature": result["signature"],
                    "motion_signature": result["motion_signature"],
                    "results": rows,
                    "captions": variants,
                    "scores": {
                        name: [{k: v[k] for k in ("final_score", "motion_score")} for v in values]
                        for name, values in scored.items()
                    },
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
