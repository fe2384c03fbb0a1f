"""``favor-hf score-captions``: the LLM-free caption metric over files in the official formats."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from favor_hf.cli.flags import SCORE_CAPTIONS_FLAGS, add_hash_seed_option, add_motion_aware_option, fail
from favor_hf.data.favor_json import (
    VIDEO_PERSPECTIVE,
    DataError,
    LoadReport,
    load_annotation_records,
    read_json,
    video_stem,
)
from favor_hf.schema import CAPTION_SCORE_KEYS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``score-captions`` subcommand."""
    parser = subparsers.add_parser(
        "score-captions",
        help="score free-form captions with the LLM-free FAVOR caption metric",
        description="Score captions ({video_id: caption}) or step-1 extractions ({video_id: {camera_motion, "
        "motion_list, chronological_motion_list, ...}}) against FAVOR annotations; write per-video scores "
        "and alignments as JSON (and CSV), print the 13 mean scores.",
    )
    parser.add_argument("--predictions", required=True, type=Path, help="JSON object keyed by video id")
    parser.add_argument(
        "--references",
        required=True,
        type=Path,
        help="FAVOR_gt_annotations.json, a video_perspective.json list, or a FAVOR data directory",
    )
    parser.add_argument("--out", required=True, type=Path, help="per-video scores, extractions and alignments (JSON)")
    parser.add_argument("--csv", type=Path, help="also write per-video scores as CSV")
    parser.add_argument(
        "--model",
        default=None,
        help="Sentence-BERT model: Hub id or local directory "
        "(default: sentence-transformers/all-distilroberta-v1, as upstream)",
    )
    parser.add_argument("--dictionary", help="local copy of the official word lists (.pkl or .json)")
    parser.add_argument("--batch-size", type=int, default=64, help="strings per embedding batch")
    parser.add_argument("--device", help="torch device for the model, e.g. cpu or cuda")
    add_hash_seed_option(parser)
    add_motion_aware_option(parser)
    parser.add_argument(
        "--subset",
        action="store_true",
        help="score the videos present in both files and skip the others (default: an error)",
    )
    parser.set_defaults(func=_score_captions)


def _load_predictions(path: Path) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise DataError(
            f"{path}: expected a JSON object {{video_id: caption or step-1 dict}}, got {type(data).__name__}"
        )
    predictions = {}
    for video, value in data.items():
        if not isinstance(value, (str, dict)):
            raise DataError(
                f"{path}: video {video!r}: expected a caption string or a step-1 dict, got {type(value).__name__}"
            )
        predictions[video_stem(video)] = value
    return predictions


def _load_references(path: Path) -> dict[str, dict[str, Any]]:
    """The references by video; a reference without a field the score compares is an error, not an empty field."""
    from favor_hf.caption.score.captions import COMPARED_FIELDS

    if path.is_dir():
        path = path / VIDEO_PERSPECTIVE
    report = LoadReport()
    records = load_annotation_records(path, report)
    for field in COMPARED_FIELDS:
        kind = f"annotation field {field!r} absent (loaded as '')"
        if kind in report.examples:
            raise DataError(
                f"{report.examples[kind][0]} has no field {field!r}; the caption score compares "
                f"{', '.join(COMPARED_FIELDS)}: add it to the reference ({report.counts[kind]} reference(s) lack it)"
            )
    report.emit()
    return {record["video_name"]: record for record in records}


def _pair_videos(predictions: dict[str, Any], references: dict[str, Any], subset: bool) -> list[str]:
    no_reference = [video for video in predictions if video not in references]
    no_prediction = [video for video in references if video not in predictions]
    if (no_reference or no_prediction) and not subset:
        problems = []
        if no_reference:
            problems.append(f"{len(no_reference)} predictions have no reference (e.g. {', '.join(no_reference[:3])})")
        if no_prediction:
            problems.append(f"{len(no_prediction)} references have no prediction (e.g. {', '.join(no_prediction[:3])})")
        raise DataError("; ".join(problems) + ". Pass --subset to score only the videos present in both.")
    videos = [video for video in predictions if video in references]
    if not videos:
        raise DataError("no video is present in both the predictions and the references")
    if no_reference or no_prediction:
        print(
            f"scoring {len(videos)} videos; skipped {len(no_reference)} predictions without reference and "
            f"{len(no_prediction)} references without prediction",
            file=sys.stderr,
        )
    return videos


def _write_csv(path: Path, videos: list[str], details: list[dict[str, Any]], keys: tuple[str, ...]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["video_id", *keys])
        for video, detail in zip(videos, details):
            writer.writerow([video, *(f"{detail[key]:.6f}" for key in keys)])


def _score_captions(args: argparse.Namespace) -> int:
    from favor_hf.caption import DEFAULT_MODEL, CaptionInputError, CaptionScoreConfig, score_captions
    from favor_hf.caption.analysis.motion import motion_summary
    from favor_hf.caption.score.embed import check_sentence_model
    from favor_hf.render import format_motion
    from favor_hf.resources import ResourceError
    from favor_hf.schema import MOTION_SCORE_KEYS

    try:
        predictions = _load_predictions(args.predictions)
        references = _load_references(args.references)
        videos = _pair_videos(predictions, references, args.subset)
    except DataError as err:  # the input files, as given: exit status 2
        return fail(str(err), SCORE_CAPTIONS_FLAGS, status=2)
    config = CaptionScoreConfig()
    try:
        check_sentence_model(args.model or DEFAULT_MODEL)  # offline: an error now, before extracting
        result = score_captions(
            [predictions[video] for video in videos],
            [{**references[video], "video_id": video} for video in videos],
            model_name=args.model or DEFAULT_MODEL,
            config=config,
            return_details=True,
            dictionary_path=args.dictionary,
            batch_size=args.batch_size,
            device=args.device,
            show_progress=True,
            official_hash_seed=args.official_hash_seed,
            motion_aware=args.motion_aware,
        )
    except (CaptionInputError, ResourceError) as err:  # fixed by changing an input or a flag: status 2
        return fail(str(err), SCORE_CAPTIONS_FLAGS, status=2)
    means = {key: result[key] for key in CAPTION_SCORE_KEYS}
    output = {
        "signature": result["signature"],
        "model_name": result["model_name"],
        "num_videos": result["num_videos"],
        "means": means,
        "config": config.to_dict(),
        "videos": dict(zip(videos, result["details"])),
    }
    motion = motion_summary(result)
    if motion:
        output["motion_aware"] = motion
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # backslashreplace writes a lone surrogate as the JSON escape \udXXX that reads back the same
    args.out.write_text(json.dumps(output, indent=1, ensure_ascii=False), encoding="utf-8", errors="backslashreplace")
    if args.csv:
        _write_csv(args.csv, videos, result["details"], CAPTION_SCORE_KEYS + (MOTION_SCORE_KEYS if motion else ()))
    print(f"model: {result['model_name']}  videos: {result['num_videos']}")
    print(f"signature: {result['signature']}")
    for key, value in means.items():
        print(f"{key:<26}{value:.4f}")
    if motion:
        print(format_motion(result))
    return 0
