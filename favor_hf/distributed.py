"""``favor-hf run`` on several processes: ``torchrun`` or ``accelerate launch``, one GPU per rank.

Under a launcher (``WORLD_SIZE`` > 1 in the environment), each rank runs the stable shard
``RANK/WORLD_SIZE`` of the items (:mod:`favor_hf.shard`) into its own crash-safe results
file next to ``--out`` (``OUT.rank<R>-of-<N>.jsonl``), on ``cuda:<LOCAL_RANK>`` when CUDA is
available. Then every rank waits on a ``torch.distributed`` barrier (gloo: it only
coordinates, no tensor moves between GPUs); rank 0 merges the rank files into ``--out``
(:func:`favor_hf.results.merge_results`, one line per item) and prints the score table.

Rerunning the same command (same number of processes) resumes every rank from its own
file; a rank that died keeps its finished items and the rerun answers only the rest.

Example:
    torchrun --nproc-per-node 8 -m favor_hf run --model transformers:Qwen/Qwen2.5-VL-7B-Instruct \\
        --data-dir FAVOR --out qwen7b.jsonl
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

BARRIER_TIMEOUT = timedelta(hours=48)
"""How long the ranks that finished first wait for the others (a whole-benchmark run of a large model)."""

Command = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class World:
    """This process's place among the launched ones (from the launcher's environment)."""

    rank: int
    size: int
    local_rank: int

    @classmethod
    def from_environment(cls) -> World | None:
        """The world set up by ``torchrun``/``accelerate launch``, or None for a single process."""
        size = int(os.environ.get("WORLD_SIZE", "1"))
        if size <= 1:
            return None
        rank = int(os.environ["RANK"])
        return cls(rank, size, int(os.environ.get("LOCAL_RANK", rank)))

    @property
    def shard(self) -> str:
        """This rank's ``--shard`` spec."""
        return f"{self.rank}/{self.size}"


def rank_file(out: Path, world: World) -> Path:
    """The results file of ``world``'s rank: ``OUT.rank<R>-of-<N>.jsonl`` beside ``out``."""
    return out.with_name(f"{out.stem}.rank{world.rank}-of-{world.size}{out.suffix or '.jsonl'}")


def rank_device(device: str | None, world: World, cuda_available: bool) -> str | None:
    """The ``--device`` of a rank: ``cuda:<LOCAL_RANK>`` for ``cuda`` or no choice with CUDA present.

    Raises:
        ValueError: ``auto`` (one model spread over all GPUs) cannot be combined with one process per GPU.
    """
    if device == "auto":
        raise ValueError(
            "--device auto spreads one model over every GPU; under torchrun/accelerate launch each "
            "process takes one GPU: drop --device (or pass cuda) to run one copy per GPU"
        )
    if device == "cuda" or (device is None and cuda_available):
        return f"cuda:{world.local_rank}"
    return device


def rank_aware(run: Command, score: Command) -> Command:
    """``run`` as is for a single process; under a launcher, on this rank's shard, then merged and scored by rank 0."""

    @functools.wraps(run)
    def command(args: argparse.Namespace) -> int:
        world = World.from_environment()
        return run(args) if world is None else run_on_rank(args, world, run, score)

    return command


def run_on_rank(args: argparse.Namespace, world: World, run: Command, score: Command) -> int:
    """Run this rank's shard with ``run``, wait for every rank, then merge and ``score`` on rank 0."""
    import torch
    import torch.distributed as dist

    from favor_hf.cli.flags import usage_error

    if args.shard:
        return usage_error(
            f"--shard cannot be combined with torchrun/accelerate launch: rank R of N "
            f"already runs shard R/N (here {world.shard}); drop --shard"
        )
    try:
        device = rank_device(args.device, world, torch.cuda.is_available())
    except ValueError as err:
        return usage_error(str(err))
    if device and device.startswith("cuda:"):
        torch.cuda.set_device(device)
    if world.rank != 0:
        os.environ["TQDM_DISABLE"] = "1"  # one progress bar (rank 0's), not one per process
    dist.init_process_group("gloo", rank=world.rank, world_size=world.size, timeout=BARRIER_TIMEOUT)
    try:
        own = argparse.Namespace(
            **{
                **vars(args),
                "out": rank_file(args.out, world),
                "shard": world.shard,
                "device": device,
                "no_score": True,
            }
        )
        code = run(own)
        codes: list[int | None] = [None] * world.size
        dist.all_gather_object(codes, code)  # doubles as the barrier: every rank has finished its shard
        if world.rank != 0:
            return code
        return _merge_and_score(args, world, codes, score)
    finally:
        dist.destroy_process_group()


def _merge_and_score(args: argparse.Namespace, world: World, codes: list[int | None], score: Command) -> int:
    from favor_hf.data.favor_json import DataError, load_video_records
    from favor_hf.results import ResultsError, merge_results
    from favor_hf.runner import build_items

    files = [rank_file(args.out, World(rank, world.size, rank)) for rank in range(world.size)]
    failed = [rank for rank, code in enumerate(codes) if code != 0]
    if failed:
        print(
            f"favor-hf: error: rank(s) {', '.join(map(str, failed))} stopped with an error (see above); "
            f"finished items are kept in {', '.join(str(files[rank]) for rank in failed)}: rerun the same "
            "command to fill in the rest",
            file=sys.stderr,
        )
        return 1
    try:
        universe = [item["id"] for item in build_items(load_video_records(args.data_dir), args.task)]
        report = merge_results(args.out, [path for path in files if path.exists()], universe)
    except (ResultsError, DataError) as err:
        print(f"favor-hf: error: merging the rank files: {err}", file=sys.stderr)
        return 1
    print(f"{world.size} ranks: wrote {args.out}: {report.summary()}")
    if args.no_score:
        return 0
    return score(argparse.Namespace(**{**vars(args), "results": args.out}))
