"""``favor-hf run``, ``score``, ``merge`` and ``frames``: run a model, re-score, combine shards, compare frames."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from favor_hf.cli.flags import (
    add_hash_seed_option,
    add_motion_aware_option,
    add_sampling_options,
    fail,
    positive_int,
    sampling_from_args,
    usage_error,
)
from favor_hf.distributed import rank_aware
from favor_hf.results import TASKS
from favor_hf.schema import MCQ_JUDGES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run``, ``score``, ``merge`` and ``frames`` subcommands."""
    run = subparsers.add_parser(
        "run",
        help="run a model over FAVOR-Bench (resumable, shardable) and print its scores",
        description="Answer every MCQ (or caption every video) with a model, appending one fsynced JSON line per "
        "item to --out. Rerunning the same command resumes: finished items are skipped, failed ones retried.",
    )
    run.add_argument(
        "--model",
        required=True,
        metavar="ADAPTER:ID",
        help="transformers:<hub id or path>, openai:<model name>, flow, random[:<seed>]",
    )
    run.add_argument("--task", choices=TASKS, default="mcq")
    run.add_argument(
        "--data-dir",
        required=True,
        type=Path,
        help="directory with video_perspective.json and videos/FAVOR-Bench/*.mp4",
    )
    run.add_argument("--out", required=True, type=Path, help="results file (JSON Lines), created or resumed")
    run.add_argument("--limit", type=positive_int, help="only the first N items (of the shard)")
    run.add_argument("--shard", metavar="I/N", help="only the stable 1/N slice number I (0-based) of the items")
    add_sampling_options(run)
    run.add_argument(
        "--concurrency", type=positive_int, default=1, help="model calls in flight at once (for HTTP servers)"
    )
    run.add_argument(
        "--max-consecutive-failures",
        type=positive_int,
        default=20,
        help="stop after this many failed items in a row (default 20)",
    )
    run.add_argument("--no-score", action="store_true", help="skip the score table at the end")
    _add_scoring_options(run)
    model = run.add_argument_group("model options (each adapter takes those that apply to it)")
    model.add_argument("--max-new-tokens", type=int)
    model.add_argument("--device", help="transformers: cpu, cuda, cuda:1 or auto")
    model.add_argument("--dtype", choices=("auto", "float32", "bfloat16", "float16"), help="transformers")
    model.add_argument("--batch-size", type=int, help="transformers: inputs per generate call")
    model.add_argument("--attn-implementation", help="transformers: e.g. sdpa, flash_attention_2")
    model.add_argument(
        "--share-video-prefix",
        action="store_true",
        default=None,
        help="transformers: encode each video and prefill the prompt up to it once for all its questions; "
        "openai: send a video's questions back to back so the server's prefix cache hits (recorded in the results)",
    )
    model.add_argument(
        "--base-url",
        action="append",
        help="openai: server URL ending in /v1; repeat (or comma-separate) for replicas used round-robin; "
        "default $OPENAI_BASE_URL",
    )
    model.add_argument("--api-key", help="openai: default $OPENAI_API_KEY")
    model.add_argument("--timeout", type=float, help="openai: seconds per request (default 120)")
    model.add_argument("--max-retries", type=int, help="openai: retries on 429/5xx/connection errors (default 5)")
    model.add_argument("--image-format", choices=("jpeg", "png"), help="openai: frame encoding (default jpeg)")
    run.set_defaults(func=rank_aware(_run, _score))  # torchrun / accelerate launch: one shard per rank

    score = subparsers.add_parser(
        "score", help="score a results file of favor-hf run, lmms-eval, VLMEvalKit or the official script"
    )
    score.add_argument(
        "--results",
        required=True,
        type=Path,
        help="favor-hf JSONL, VLMEvalKit FavorBench .xlsx/.tsv, lmms-eval samples log, or output_qa JSONL",
    )
    score.add_argument(
        "--data-dir",
        type=Path,
        help="FAVOR data directory of the run: needed for output_qa files (they carry no options)",
    )
    score.add_argument("--task", choices=TASKS, help="check that the file holds this task")
    _add_scoring_options(score)
    score.set_defaults(func=_score, official_hash_seed=None)  # None: the seed the run recorded

    merge = subparsers.add_parser(
        "merge", help="combine shard results into one file, refusing overlaps and reporting missing items"
    )
    merge.add_argument("output", type=Path, metavar="OUT.jsonl")
    merge.add_argument("shards", type=Path, nargs="+", metavar="SHARD.jsonl")
    merge.add_argument("--data-dir", type=Path, help="the data directory of the run, to name the missing items")
    merge.add_argument("--overwrite", action="store_true", help="replace OUT.jsonl if it exists")
    merge.set_defaults(func=_merge)

    frames = subparsers.add_parser(
        "frames",
        help="compare the frames two runs fed their models, video by video (frame manifests)",
        description="Compare the frame manifests of two results files: per video the hash of the frames sent and "
        "the source frame indices. Exit status 0 when every shared video got identical frames, 2 when some did not.",
    )
    frames.add_argument("first", type=Path, metavar="A.jsonl")
    frames.add_argument("second", type=Path, metavar="B.jsonl")
    frames.set_defaults(func=_frames)


def _add_scoring_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--judge",
        choices=MCQ_JUDGES,
        default="official",
        help="MCQ judge: official substring rule (default) or strict single-option parsing",
    )
    parser.add_argument(
        "--caption-model", default=None, help="sentence-transformers model of the caption score (name or local path)"
    )
    add_hash_seed_option(parser)
    add_motion_aware_option(parser)
    parser.add_argument(
        "--json",
        type=Path,
        metavar="SCORES.json",
        help="also write the scores (with the caption score signature) as JSON",
    )


def _run(args: argparse.Namespace) -> int:
    from favor_hf.data.favor_json import DataError, load_video_records
    from favor_hf.models import ADAPTERS, load_adapter
    from favor_hf.resources import ResourceError
    from favor_hf.results import ResultsError
    from favor_hf.runner import (
        RunAborted,
        run_benchmark,
        score_records,
        selected_final_records,
    )
    from favor_hf.shard import parse_shard

    try:
        if args.shard:
            parse_shard(args.shard)
    except ValueError as err:
        return usage_error(f"--shard: {err}")
    try:
        records = load_video_records(args.data_dir)
    except DataError as err:
        return usage_error(f"--data-dir: {err}")
    try:
        sampling = sampling_from_args(args)
        if args.task == "caption" and not args.no_score:  # offline, fail before spending time on the model
            from favor_hf.caption.score.embed import DEFAULT_MODEL, check_sentence_model

            check_sentence_model(args.caption_model or DEFAULT_MODEL)
        options = {
            "max_new_tokens": args.max_new_tokens,
            "device": args.device,
            "dtype": args.dtype,
            "batch_size": args.batch_size,
            "attn_implementation": args.attn_implementation,
            "base_url": args.base_url,
            "api_key": args.api_key,
            "timeout": args.timeout,
            "max_retries": args.max_retries,
            "image_format": args.image_format,
            "video_input": args.video_input,
            "share_video_prefix": args.share_video_prefix,
        }
        if args.model.partition(":")[0] not in ADAPTERS:
            return usage_error(f"--model: unknown adapter {args.model!r}; expected {', '.join(ADAPTERS)}")
        adapter = load_adapter(args.model, **options)
    except ValueError as err:
        return fail(str(err))
    except ResourceError as err:
        return fail(f"{err}\nOr pass --no-score to run now and score later with `favor-hf score`.")
    try:
        summary = run_benchmark(
            adapter,
            records,
            args.task,
            args.out,
            sampling=sampling,
            shard=args.shard,
            limit=args.limit,
            concurrency=args.concurrency,
            max_consecutive_failures=args.max_consecutive_failures,
            caption_model=args.caption_model,
            official_hash_seed=args.official_hash_seed,
        )
    except (ResultsError, RunAborted, OSError) as err:
        return fail(str(err))
    except KeyboardInterrupt:
        print(
            f"\ninterrupted; finished items are saved in {args.out}: rerun the same command to resume", file=sys.stderr
        )
        return 130
    finally:
        adapter.close()
    if not args.no_score:
        finals = selected_final_records(args.out, summary.item_ids)
        try:
            summary.scores = score_records(
                finals,
                args.task,
                judge=args.judge,
                caption_model=args.caption_model,
                official_hash_seed=args.official_hash_seed,
                motion_aware=args.motion_aware,
            )
        except (ResourceError, ValueError) as err:
            print(summary.format())
            return fail(
                f"scoring failed: {err}\nThe results are saved; score them with "
                f"`favor-hf score --results {args.out}` once this is fixed."
            )
        _write_scores(args.json, args.out, args.task, summary.scores)
    print(summary.format())
    return 0


def _write_scores(path: Path | None, results: Path, task: str, scores: dict) -> None:
    if path is not None:
        from favor_hf.environment import environment

        record = {"results": str(results), "task": task, **scores, "environment": environment()}
        path.write_text(json.dumps(record, indent=1), encoding="utf-8")


def _score(args: argparse.Namespace) -> int:
    from favor_hf.integrations import load_results
    from favor_hf.render import format_results_header, format_scores
    from favor_hf.resources import ResourceError
    from favor_hf.results import ResultsError
    from favor_hf.runner import score_records
    from favor_hf.stats import LEVEL, N_RESAMPLES, SEED, mcq_intervals

    try:
        finals = load_results(args.results, data_dir=args.data_dir)  # favor-hf, upstream, VLMEvalKit or lmms-eval
    except (ResultsError, ValueError) as err:
        return fail(str(err))
    if not finals:
        return fail(f"{args.results}: no results to score")
    task = finals[0]["task"]
    if args.task and args.task != task:
        return fail(f"{args.results} holds {task} results, not {args.task}")
    try:
        scores = score_records(
            finals,
            task,
            judge=args.judge,
            caption_model=args.caption_model,
            official_hash_seed=args.official_hash_seed,
            motion_aware=args.motion_aware,
        )
    except (ResourceError, ValueError) as err:
        return fail(f"scoring failed: {err}")
    print(format_results_header(finals))
    if _torn(args.results):
        print(f"note: the last line of {args.results} was cut off by an interrupted write and is left out")
    intervals = mcq_intervals(finals, args.judge) if task == "mcq" and "ALL" in scores else None
    print(format_scores(scores, task, intervals, level=LEVEL, n_resamples=N_RESAMPLES, seed=SEED))
    for note in scores.get("notes", []):
        print(f"note: {note}")
    _write_scores(args.json, args.results, task, scores)
    if task == "mcq":
        from favor_hf.integrations.mcq_conventions import judge_table
        from favor_hf.render import format_judge_table

        print("\nboth judges and the official counts:\n" + format_judge_table(judge_table(finals)))
    return 0


def _torn(path: Path) -> bool:
    """Whether ``path`` is a favor-hf results file whose last line is torn (read leaves it out)."""
    from favor_hf.integrations import detect_format
    from favor_hf.results import read_results

    try:
        return detect_format(path) == "favor" and read_results(path).torn
    except ValueError:
        return False


def _merge(args: argparse.Namespace) -> int:
    from favor_hf.data.favor_json import DataError, load_video_records
    from favor_hf.results import ResultsError, merge_results, read_results
    from favor_hf.runner import build_items

    if args.output.exists() and not args.overwrite:
        return usage_error(f"{args.output} exists; pass --overwrite to replace it")
    if any(args.output.resolve() == shard.resolve() for shard in args.shards):
        return usage_error(f"{args.output} is also an input; write the merge to a new file")
    try:
        universe_ids = None
        if args.data_dir is not None:
            first = next((r for shard in args.shards for r in read_results(shard).records), None)
            task = first["task"] if first else "mcq"
            universe_ids = [item["id"] for item in build_items(load_video_records(args.data_dir), task)]
        report = merge_results(args.output, args.shards, universe_ids)
    except (ResultsError, DataError) as err:
        return fail(str(err))
    print(f"wrote {args.output}: {report.summary()}")
    if report.missing_count:
        print("missing items: run `favor-hf run` with the same options and --out on the merged file to fill them")
    return 0


def _frames(args: argparse.Namespace) -> int:
    from favor_hf.results import ResultsError, frame_agreement, read_results

    try:
        agreement = frame_agreement(read_results(args.first).records, read_results(args.second).records)
    except ResultsError as err:
        return fail(str(err))
    if not agreement.videos:
        return fail(
            f"{args.first} and {args.second} share no video with a frame manifest (lines written "
            "before favor-hf recorded frame manifests have none)"
        )
    print(agreement.summary())
    return 0 if not agreement.differing else 2
