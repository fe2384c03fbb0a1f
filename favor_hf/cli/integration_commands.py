"""``favor-hf convert`` and ``favor-hf lmms-eval-tasks``: results of other toolkits, the lmms-eval task pack."""

from __future__ import annotations

import argparse
from pathlib import Path

from favor_hf.cli.flags import fail, usage_error


def _convert(args: argparse.Namespace) -> int:
    from favor_hf.integrations import convert_results
    from favor_hf.integrations.mcq_conventions import judge_table
    from favor_hf.render import format_judge_table, format_results_header, format_scores
    from favor_hf.runner import score_records

    if args.out.exists() and not args.overwrite:
        return usage_error(f"{args.out} exists; pass --overwrite to replace it")
    if any(args.out.resolve() == path.resolve() for path in args.inputs):
        return usage_error(f"--out {args.out} is also an input; write to a new file")
    try:
        records = convert_results(args.inputs, args.out, data_dir=args.data_dir, model=args.model)
    except (ValueError, OSError) as err:
        return fail(str(err))
    formats = sorted({r["source"]["format"] for r in records if r.get("source")} or {"favor"})
    print(f"wrote {args.out}: {len(records)} items from {len(args.inputs)} file(s) ({', '.join(formats)})")
    print(format_results_header(records))
    task = records[0]["task"]
    if task == "mcq":
        print(format_judge_table(judge_table(records)))
    elif not args.no_score:
        from favor_hf.cli.flags import in_flags
        from favor_hf.resources import ResourceError

        try:
            print(format_scores(score_records(records, task, caption_model=args.caption_model), task))
        except (ResourceError, ValueError, OSError) as err:  # e.g. the caption model is missing; the file is written
            message = in_flags(str(err), {"model_name=": "--caption-model", "dictionary_path=": None})
            return fail(
                f"caption scoring failed: {message}\n{args.out} is written: score it with "
                f"`favor-hf score --results {args.out}` once this is fixed"
            )
    return 0


def _tasks_path(args: argparse.Namespace) -> int:
    from favor_hf.integrations import lmms_eval_tasks_path

    print(lmms_eval_tasks_path())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``convert`` and ``lmms-eval-tasks`` subcommands."""
    convert = subparsers.add_parser(
        "convert",
        help="convert results of lmms-eval, VLMEvalKit or the official script into a favor-hf results file",
        description=(
            "Read results files of any supported toolkit (favor-hf run JSONL, the official output_qa/*.jsonl, "
            "VLMEvalKit FavorBench .xlsx/.tsv predictions, lmms-eval samples logs of the favor-hf task pack), "
            "write them as one favor-hf results file and print the scores with both judges and the official "
            "counts. `favor-hf score --results FILE` reads the same formats directly."
        ),
    )
    convert.add_argument("inputs", type=Path, nargs="+", metavar="RESULTS", help="results file(s) of one model")
    convert.add_argument("--out", type=Path, required=True, help="favor-hf results file to write (JSON Lines)")
    convert.add_argument(
        "--data-dir",
        type=Path,
        help="FAVOR data directory of the run (video_perspective.json): needed for output_qa files, "
        "and gives question keys and the full item set for the others",
    )
    convert.add_argument("--model", help="model name to record (default: from the file or folder name)")
    convert.add_argument("--caption-model", help="sentence-transformers model of the caption score (caption results)")
    convert.add_argument("--no-score", action="store_true", help="caption results: write without scoring")
    convert.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    convert.set_defaults(func=_convert)

    tasks = subparsers.add_parser(
        "lmms-eval-tasks",
        help="print the folder of the favor-hf lmms-eval task pack (for lmms-eval --include_path)",
        description=(
            "Print the folder holding the lmms-eval tasks favor_bench_mcq and favor_bench_caption. Use it as "
            "`lmms-eval --include_path $(favor-hf lmms-eval-tasks) --tasks favor_bench_mcq ...` with "
            "FAVOR_DATA_DIR set to a FAVOR data directory or a favor-hf export, or set "
            "LMMS_EVAL_PLUGINS=favor_hf.integrations.lmms_eval_pack instead of --include_path."
        ),
    )
    tasks.set_defaults(func=_tasks_path)
