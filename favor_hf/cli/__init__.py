"""The ``favor-hf`` command line: one subcommand module per area of the package."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from favor_hf.cli import flags

# Each module defines ``register(subparsers)``, adding its subcommands with
# ``parser.set_defaults(func=...)``; ``func(args)`` returns an exit code.
_COMMAND_MODULES = (
    "favor_hf.cli.data_commands",  # export, push, check-data
    "favor_hf.cli.synth_commands",  # synth
    "favor_hf.cli.caption_commands",  # score-captions
    "favor_hf.cli.mcq_commands",  # score-mcq
    "favor_hf.cli.run_commands",  # run, score, merge
    "favor_hf.cli.metric_commands",  # install-metrics, push-metrics
    "favor_hf.cli.integration_commands",  # convert, lmms-eval-tasks
    "favor_hf.cli.sft_commands",  # sft-export, sft
    "favor_hf.cli.report_commands",  # report, compare, judge-captions
)


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every subcommand registered."""
    from favor_hf import __version__

    parser = argparse.ArgumentParser(
        prog="favor-hf",
        description="FAVOR-Bench for Hugging Face: export and load the datasets, run models, score them.",
    )
    parser.add_argument("--version", action="version", version=f"favor-hf {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``favor-hf`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    flags.PROG[0] = f"{parser.prog} {args.command}"
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, not at exit, so that a closed pipe is caught below
    except BrokenPipeError:  # `favor-hf ... | head`: the reader has all it wants
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # nothing left to flush at exit
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
