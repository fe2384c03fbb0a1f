"""``favor-hf synth``: render synthetic clips with known motion in the FAVOR data layout."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from favor_hf.cli.flags import usage_error


def _synth(args: argparse.Namespace) -> int:
    import shutil

    from favor_hf.data.favor_json import VIDEO_PERSPECTIVE, VIDEO_SUBDIR
    from favor_hf.synth import make_synthetic_benchmark

    out = Path(args.out)
    if out.is_dir() and any(out.iterdir()):
        if not args.overwrite:
            held = ", ".join(sorted(p.name for p in out.iterdir())[:5])
            return usage_error(
                f"--out {out} is not empty (it holds {held}); pass --overwrite to replace its clips and "
                "annotations, or give a new folder"
            )
        shutil.rmtree(out / VIDEO_SUBDIR, ignore_errors=True)  # no clip of an earlier, larger --n is left behind
        (out / VIDEO_PERSPECTIVE).unlink(missing_ok=True)
    bench = make_synthetic_benchmark(
        args.out, args.n, seed=args.seed, width=args.width, height=args.height, fps=args.fps, seconds=args.seconds
    )
    tasks = Counter(q["task_type"] for record in bench.records for q in record["questions"])
    summary = ", ".join(f"{task} {count}" for task, count in sorted(tasks.items()))
    print(f"wrote {len(bench.video_paths)} clips to {bench.root / 'videos' / 'FAVOR-Bench'}")
    print(f"wrote {bench.annotations_path} ({sum(tasks.values())} questions: {summary})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``synth`` subcommand."""
    parser = subparsers.add_parser(
        "synth",
        help="render synthetic clips with exact motion ground truth (FAVOR layout)",
        description=(
            "Render N procedural clips (textured background, camera pan/tilt/zoom/shake/static, "
            "moving shapes) and write DIR/video_perspective.json with annotations and MCQs plus "
            "DIR/videos/FAVOR-Bench/*.mp4. Deterministic for a seed; needs no network."
        ),
    )
    parser.add_argument("--out", required=True, help="output directory (created if missing; refused if not empty)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the clips and annotations of a non-empty --out"
    )
    parser.add_argument("--n", type=int, required=True, help="number of clips")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--width", type=int, default=192, help="frame width, even (default 192)")
    parser.add_argument("--height", type=int, default=144, help="frame height, even (default 144)")
    parser.add_argument("--fps", type=int, default=12, help="frames per second (default 12)")
    parser.add_argument("--seconds", type=float, default=3.0, help="clip length in seconds (default 3)")
    parser.set_defaults(func=_synth)
