"""``favor-hf report``, ``favor-hf compare`` and ``favor-hf judge-captions``: tables, paired tests, LLM judge."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from favor_hf.cli.flags import add_hash_seed_option, add_motion_aware_option, fail
from favor_hf.environment import environment, environment_line
from favor_hf.schema import MCQ_JUDGES


def _add_bootstrap_options(parser: argparse.ArgumentParser) -> None:
    from favor_hf.stats import N_RESAMPLES, SEED

    parser.add_argument("--judge", choices=MCQ_JUDGES, default="official", help="MCQ judge (default: official)")
    parser.add_argument(
        "--resamples",
        type=int,
        default=N_RESAMPLES,
        help=f"bootstrap resamples of every interval (default {N_RESAMPLES})",
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"bootstrap seed (default {SEED})")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report``, ``compare`` and ``judge-captions`` subcommands."""
    report = subparsers.add_parser(
        "report",
        help="the paper's table from results files: one row per model and input, with 95%% intervals",
        description="Score `favor-hf run` results files (MCQ, caption, and caption-judge files) and print one row "
        "per model and input setting: MCQ accuracy overall and per task with video-bootstrap intervals, the "
        "LLM-free score x100 with its ceiling, floors and normalised score.",
    )
    report.add_argument("results", type=Path, nargs="+", metavar="RUN.jsonl")
    report.add_argument(
        "--subsets",
        type=Path,
        metavar="FILE",
        help="video -> subset mapping (JSON {video: subset} or CSV video,subset), e.g. third-person "
        "/ ego-centric: adds a column per subset",
    )
    report.add_argument("--markdown", type=Path, metavar="OUT.md", help="also write the table as Markdown")
    report.add_argument("--csv", type=Path, metavar="OUT.csv", help="also write the rows as CSV")
    report.add_argument(
        "--json",
        type=Path,
        metavar="OUT.json",
        help="also write rows, scores, intervals and per-video direction conflicts as JSON",
    )
    report.add_argument("--caption-model", default=None, help="sentence-transformers model of the caption score")
    report.add_argument(
        "--no-validity",
        action="store_true",
        help="skip the caption ceiling/floor scores (three extra scorings of the run's videos)",
    )
    add_hash_seed_option(report)
    add_motion_aware_option(report)
    _add_bootstrap_options(report)
    report.set_defaults(func=_report, official_hash_seed=None)  # None: the seed each run recorded

    compare = subparsers.add_parser(
        "compare",
        help="paired comparison of two runs: differences, paired bootstrap intervals, McNemar",
        description="Compare two MCQ results files on the items both answered: per-task accuracy difference A - B "
        "with a paired bootstrap interval (resampling videos), an exact McNemar p-value, and the flipped items. "
        "Two caption runs: the difference of the mean LLM-free score on the videos both captioned, with a paired "
        "bootstrap interval and a sign test.",
    )
    compare.add_argument("a", type=Path, metavar="A.jsonl")
    compare.add_argument("b", type=Path, metavar="B.jsonl")
    compare.add_argument(
        "--intersection",
        action="store_true",
        help="compare runs over different item sets or frame sampling on the items both answered",
    )
    compare.add_argument(
        "--json", type=Path, metavar="OUT.json", help="also write the comparison (all flipped items) as JSON"
    )
    compare.add_argument(
        "--caption-model", default=None, help="caption runs: sentence-transformers model of the caption score"
    )
    add_hash_seed_option(compare)
    add_motion_aware_option(compare)
    _add_bootstrap_options(compare)
    compare.set_defaults(func=_compare, official_hash_seed=None)

    judge = subparsers.add_parser(
        "judge-captions",
        help="LLM judge of a caption run (correctness/detail 0-10; our prompt, not the official one)",
        description="Ask an OpenAI-compatible model to grade every caption of a `favor-hf run --task caption` file "
        "against its reference caption. The prompt is favor-hf's own (the paper's is unpublished). Resumable.",
    )
    judge.add_argument("--results", required=True, type=Path, help="caption results file of `favor-hf run`")
    judge.add_argument("--model", required=True, metavar="MODEL", help="judge model name on the server, e.g. gpt-4o")
    judge.add_argument("--out", required=True, type=Path, help="judge file (JSON Lines), created or resumed")
    judge.add_argument(
        "--base-url", action="append", help="server URL ending in /v1 (repeatable); default $OPENAI_BASE_URL"
    )
    judge.add_argument("--api-key", help="default $OPENAI_API_KEY")
    judge.add_argument("--concurrency", type=int, default=4, help="requests in flight (default 4)")
    judge.add_argument("--max-retries", type=int, default=5, help="retries on 429/5xx/connection errors (default 5)")
    judge.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default 120)")
    judge.add_argument("--limit", type=int, help="only the first N captions")
    judge.set_defaults(func=_judge)


def _report(args: argparse.Namespace) -> int:
    from favor_hf.report import ReportError, build_report
    from favor_hf.report_inputs import load_subsets
    from favor_hf.resources import ResourceError

    try:
        subsets = load_subsets(args.subsets) if args.subsets else None
        report = build_report(
            args.results,
            subsets=subsets,
            judge=args.judge,
            caption_model=args.caption_model,
            validity=not args.no_validity,
            n_resamples=args.resamples,
            seed=args.seed,
            official_hash_seed=args.official_hash_seed,
            motion_aware=args.motion_aware,
        )
    except (ReportError, ResourceError, ValueError) as err:
        return fail(str(err) + ("\n(for a bad --subsets file, fix or drop --subsets)" if args.subsets else ""))
    text = report.markdown() + "\n\n" + environment_line()
    print(text)
    for path, content in (
        (args.markdown, text + "\n"),
        (args.csv, report.csv()),
        (args.json, json.dumps(report.to_json(), indent=1, default=float) + "\n"),
    ):
        if path is not None:
            path.write_text(content, encoding="utf-8")
            print(f"wrote {path}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from favor_hf.report import ReportError, score_run
    from favor_hf.report_inputs import load_final_records
    from favor_hf.resources import ResourceError
    from favor_hf.stats import ComparisonError, compare_caption_runs, compare_runs

    options = {
        "names": (str(args.a), str(args.b)),
        "intersection": args.intersection,
        "n_resamples": args.resamples,
        "seed": args.seed,
    }

    def final_scores(path: Path, run_records: list[dict[str, Any]]) -> dict[str, float]:
        run = score_run(
            path,
            caption_model=args.caption_model,
            validity=False,
            records=run_records,
            official_hash_seed=args.official_hash_seed,
            motion_aware=args.motion_aware,
        )
        key = "motion_score" if args.motion_aware else "final_score"
        return {r["id"]: d[key] for r, d in zip(run.answered, run.details)}

    try:
        records_a, records_b = load_final_records(args.a), load_final_records(args.b)
        if all(r and r[0]["task"] == "caption" for r in (records_a, records_b)):
            scores_a, scores_b = final_scores(args.a, records_a), final_scores(args.b, records_b)
            comparison = compare_caption_runs(records_a, records_b, scores_a, scores_b, **options)
        else:
            comparison = compare_runs(records_a, records_b, judge=args.judge, **options)
    except (ComparisonError, ReportError, ResourceError) as err:
        return fail(str(err))
    if args.motion_aware:
        print("caption runs compared on the motion-aware companion score (motion_score, not official)")
    print(comparison.format())
    if args.json is not None:
        record = {**comparison.to_dict(), "environment": environment()}
        args.json.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def _judge(args: argparse.Namespace) -> int:
    from favor_hf.caption.analysis.llm_judge import judge_captions
    from favor_hf.models.openai_compat import OpenAIAdapter
    from favor_hf.report_inputs import ReportError
    from favor_hf.results import ResultsError

    try:
        adapter = OpenAIAdapter(
            args.model,
            base_url=args.base_url,
            api_key=args.api_key,
            max_new_tokens=64,
            timeout=args.timeout,
            max_retries=args.max_retries,
        )
    except ValueError as err:
        return fail(f"{err} (--base-url / --model)")
    try:
        summary = judge_captions(args.results, adapter, args.out, concurrency=args.concurrency, limit=args.limit)
    except (ReportError, ResultsError) as err:
        return fail(str(err))
    finally:
        adapter.close()
    print(summary.format())
    return 0
