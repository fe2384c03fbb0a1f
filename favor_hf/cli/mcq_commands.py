"""``favor-hf score-mcq``: re-score upstream FAVOR-Bench results files (``output_qa/*.jsonl``)."""

from __future__ import annotations

import argparse
import json

from favor_hf.cli.flags import fail
from favor_hf.schema import MCQ_JUDGES


def _questions(data_dir: str) -> dict[str, list[dict]]:
    from favor_hf.data.favor_json import load_video_records

    return {r["video_name"]: r["questions"] for r in load_video_records(data_dir)}  # looked up with or without .mp4


def _score_mcq(args: argparse.Namespace) -> int:
    from favor_hf.integrations.upstream import score_upstream_results
    from favor_hf.render import format_scores

    try:
        questions = _questions(args.data_dir) if args.data_dir else None
        results = {
            path: score_upstream_results(path, questions, judge=args.judge, full_counts=args.full_counts)
            for path in args.results
        }
    except ValueError as err:
        return fail(str(err))
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    for path, scores in results.items():
        checks = scores["checks"]
        basis = "official benchmark counts" if args.full_counts else "questions in the file"
        print(f"{path}: {checks['questions']} answers, accuracy over the {basis}")
        print(format_scores({"hedged": "n/a (no options)", **scores, "judge": checks["judge"]}, "mcq"))
        if checks["judge"] == "stored":
            print(
                f"stored True judgements without the answer text in the output: {checks['stored_true_without_answer_text']}"
            )
        else:
            print(f"official rule disagrees with the stored judge on: {checks['official_disagrees_with_stored']}")
        if checks["duplicate_videos"]:
            print(
                f"warning: {checks['duplicate_videos']} video lines repeat an earlier video and are counted again (as upstream does)"
            )
        print()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``score-mcq`` subcommand."""
    parser = subparsers.add_parser(
        "score-mcq",
        help="re-score upstream output_qa/*.jsonl results files",
        description=(
            "Score results files written by the official FAVOR-Bench script (one {video: [{task_type, "
            "correct_answer, output, judge}]} per line). Those lines carry no options, so by default the "
            "stored judge is used and checked as far as it can be; with --data-dir (a folder with "
            "video_perspective.json) every output is re-judged with --judge."
        ),
    )
    parser.add_argument("results", nargs="+", help="results file(s) in the upstream JSONL format")
    parser.add_argument(
        "--data-dir", help="FAVOR data directory with video_perspective.json, to re-judge with the options"
    )
    parser.add_argument(
        "--judge", choices=MCQ_JUDGES, default="official", help="judge when re-judging (default official)"
    )
    parser.add_argument(
        "--full-counts",
        action="store_true",
        help="divide by the official question counts (ALL 8184, AS 2637, ...) as upstream analyze_qa.py does",
    )
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.set_defaults(func=_score_mcq)
