"""``favor-hf export``, ``favor-hf push`` and ``favor-hf check-data``: the typed FAVOR datasets."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from favor_hf.cli.flags import fail, usage_error


def _export(args: argparse.Namespace) -> int:
    from favor_hf.data.export import export_dataset

    if args.format == "vlmevalkit":
        from favor_hf.integrations.vlmevalkit import write_bench

        if args.data_dir is None:
            return usage_error("--format vlmevalkit needs --data-dir (a FAVOR data directory)")
        print(write_bench(args.data_dir, args.out, overwrite=args.overwrite).summary())
        return 0
    result = export_dataset(
        args.out,
        data_dir=args.data_dir,
        annotations=args.annotations,
        train=args.train,
        repo_id=args.repo_id or args.out.name,
        check_videos=not args.skip_video_check,
        overwrite=args.overwrite,
    )
    print(result.summary())
    return 0


def _push(args: argparse.Namespace) -> int:
    from favor_hf.data.push import push_dataset

    url = push_dataset(args.folder, args.repo, token=args.token, private=args.private, revision=args.revision)
    print(f"uploaded {args.folder} to https://huggingface.co/datasets/{args.repo}\n{url}")
    print(f'load it with: load_dataset("{args.repo}", "mcq")')
    return 0


def _check_data(args: argparse.Namespace) -> int:
    from favor_hf.annotations import parse_annotations
    from favor_hf.data.favor_json import LoadReport, load_video_records
    from favor_hf.schema import TASK_CODES
    from favor_hf.video import VideoError, probe

    report = LoadReport()
    records = load_video_records(args.data_dir, report)
    tasks = Counter(q["task_type"] for r in records for q in r["questions"])
    print(f"{args.data_dir}: {len(records):,} videos, {sum(tasks.values()):,} questions")
    print("  per task: " + ", ".join(f"{task} {tasks[task]:,}" for task in TASK_CODES))
    print(f"  videos present: {len(records) - len(report.missing_videos):,}, missing: {len(report.missing_videos):,}")
    if args.list_missing:
        for name in report.missing_videos:
            print(f"    missing: {name}")
    irregular = sum(1 for r in records if parse_annotations(r).parse_warnings)
    print(f"  videos whose annotations have parse_warnings: {irregular:,}")
    if report.counts:
        print("  warnings:\n    " + report.summary().replace("\n", "\n    "))
    bad = 0
    if args.check_videos:
        for r in records:
            if r["video_path"]:
                try:
                    probe(r["video_path"])
                except VideoError as err:
                    bad += 1
                    print(f"  unreadable: video_name {r['video_name']!r}: {err}")
        print(f"  unreadable videos: {bad:,}")
    problems = [f"{bad:,} unreadable video(s)"] if bad else []
    if args.strict and report.missing_videos:
        problems.append(f"{len(report.missing_videos):,} missing video(s) (--strict; --list-missing names them)")
    if problems:
        return fail("; ".join(problems))
    return 0


def _run(func):
    """Run a subcommand, turning data errors into a one-line message and exit code 2."""

    def wrapped(args: argparse.Namespace) -> int:
        from favor_hf.data.favor_json import DataError
        from favor_hf.data.push import PushError

        try:
            return func(args)
        except (DataError, PushError, FileExistsError) as err:
            return usage_error(str(err))

    return wrapped


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export``, ``push`` and ``check-data`` subcommands."""
    export = subparsers.add_parser(
        "export",
        help="write FAVOR as a Hub-ready dataset repo (typed Parquet + dataset card + videos)",
        description=(
            "Validate FAVOR JSON files and write OUT/data/<config>/<split>-*.parquet (configs mcq, videos, "
            "train), the clips under OUT/videos/ (hard links, else copies; referenced by relative path) and "
            "OUT/README.md. Then load_dataset('OUT', 'mcq') returns the typed features."
        ),
    )
    export.add_argument(
        "--data-dir",
        type=Path,
        help="FAVOR data directory: video_perspective.json [question_perspective.json] "
        "[videos/FAVOR-Bench/*.mp4]; gives the mcq config",
    )
    export.add_argument("--out", type=Path, required=True, help="output folder, e.g. favor-bench")
    export.add_argument(
        "--annotations",
        type=Path,
        help="video-level annotations for the videos config, e.g. FAVOR_gt_annotations.json "
        "(default: DATA_DIR/FAVOR_gt_annotations.json, else the records of video_perspective.json)",
    )
    export.add_argument(
        "--train",
        type=Path,
        help="FAVOR-Train records for the train config: a JSON object keyed by video id, a JSON "
        "list or JSON Lines of objects with video_name and the six annotation fields",
    )
    export.add_argument("--repo-id", help="repo name shown in the card's examples (default: the folder name)")
    export.add_argument(
        "--skip-video-check", action="store_true", help="do not open every clip with PyAV before exporting it"
    )
    export.add_argument("--overwrite", action="store_true", help="replace an earlier export in --out")
    export.add_argument(
        "--format",
        choices=("hub", "vlmevalkit"),
        default="hub",
        help="hub: the Hub dataset repo (default); vlmevalkit: OUT/FAVOR-Bench/ with the TSV, "
        "video_perspective.json and clips that VLMEvalKit's FavorBench reads (then LMUData=OUT)",
    )
    export.set_defaults(func=_run(_export))

    push = subparsers.add_parser(
        "push",
        help="upload an exported folder to a Hub dataset repo",
        description="Create the dataset repo if needed and upload the folder with huggingface_hub.upload_folder.",
    )
    push.add_argument("--repo", required=True, help="Hub dataset repo id, ORG/NAME (e.g. my-org/favor-bench)")
    push.add_argument("--folder", type=Path, default=Path("favor-bench"), help="exported folder (default favor-bench)")
    push.add_argument("--token", help="Hub write token (default: the logged-in token / $HF_TOKEN)")
    push.add_argument("--private", action="store_true", help="create the repo as private")
    push.add_argument("--revision", help="branch to push to (default main)")
    push.set_defaults(func=_run(_push))

    check = subparsers.add_parser(
        "check-data",
        help="validate a FAVOR data directory and report missing videos and irregular annotations",
    )
    check.add_argument("--data-dir", type=Path, required=True, help="FAVOR data directory")
    check.add_argument("--list-missing", action="store_true", help="print the name of every missing video")
    check.add_argument("--check-videos", action="store_true", help="also open every present clip with PyAV")
    check.add_argument("--strict", action="store_true", help="exit 1 when any video is missing")
    check.set_defaults(func=_run(_check_data))
