"""Flags shared by subcommands, and library error messages in the command line's words.

Library errors name the Python argument that fixes them, written ``name=`` (``model_name=``,
``dictionary_path=``); an argument with another way to set it (an environment variable) is
written `` (or name=)``. A subcommand passes its own flag for each such argument, or ``None``
when it has none (the `` (or name=)`` aside is then dropped), so the message it prints names
what the user can change there; a message is written once, in the library.

Example:
    >>> in_flags("use a local directory as the model name (model_name=)", {"model_name=": "--caption-model"})
    'use a local directory as the model name (--caption-model)'
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from favor_hf.video import Sampling

SCORE_CAPTIONS_FLAGS = {
    "model_name=": "--model",
    "dictionary_path=": "--dictionary",
    "official_hash_seed=": "--official-hash-seed",
}
"""``favor-hf score-captions``: Python argument -> flag."""

RUN_FLAGS = {"model_name=": "--caption-model", "dictionary_path=": None, "official_hash_seed=": "--official-hash-seed"}
"""``favor-hf run`` and ``favor-hf score``, which take the word lists from the environment."""


PROG = ["favor-hf"]
"""The program name errors start with: ``favor-hf COMMAND`` once :func:`favor_hf.cli.main` parsed the command."""


def fail(message: str, flags: Mapping[str, str | None] = RUN_FLAGS, status: int = 1) -> int:
    """Print a library error as ``favor-hf COMMAND: error: ...`` in the words of ``flags``; return ``status``.

    Status 1 is a runtime failure; :func:`usage_error` returns 2, as argparse does for a bad command line.
    """
    print(f"{PROG[0]}: error: {in_flags(message, flags)}", file=sys.stderr)
    return status


def usage_error(message: str) -> int:
    """A command line that cannot work (an unknown adapter, a malformed ``--shard``): exit status 2."""
    return fail(message, status=2)


def in_flags(message: str, flags: Mapping[str, str | None]) -> str:
    """``message`` with each Python argument (``name=``) of ``flags`` replaced by its flag."""
    for argument, flag in flags.items():
        if flag is None:
            message = message.replace(f" (or {argument})", "")
        message = re.sub(rf"(?<![\w-]){re.escape(argument)}", flag or argument, message)
    return message


def add_hash_seed_option(parser: argparse.ArgumentParser) -> None:
    """``--official-hash-seed``: the official caption step-1 run reproduced."""
    parser.add_argument(
        "--official-hash-seed",
        type=int,
        default=0,
        metavar="N",
        help="caption step 1 equals the official run under PYTHONHASHSEED=N (default 0; the official "
        "extraction depends on it through two set orders)",
    )


def add_motion_aware_option(parser: argparse.ArgumentParser) -> None:
    """``--motion-aware``: the motion-aware companion caption score beside the official one."""
    parser.add_argument(
        "--motion-aware",
        action="store_true",
        help="also compute the motion-aware companion caption score (not official: contradicted pairs such as "
        "'pans left' vs 'pans right', a negated action or an action told out of order are not matches; "
        "signature cfg:...+motion-v2); "
        "the official scores are unchanged",
    )


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def add_sampling_options(parser: argparse.ArgumentParser) -> None:
    """The frame sampling flags of ``favor-hf run`` (``sft`` takes the same, with the same rules)."""
    from favor_hf.results import FRAME_PRESETS

    rate = parser.add_mutually_exclusive_group()
    rate.add_argument(
        "--fps",
        type=float,
        help="sample this many frames per second (default: 1, from the first frame; "
        "--sampling official reproduces the official Qwen2.5-VL inputs)",
    )
    rate.add_argument("--frames", type=int, choices=FRAME_PRESETS, help="sample this many uniformly spaced frames")
    rate.add_argument(
        "--sampling",
        choices=("official",),
        help="official: the official Qwen2.5-VL inputs (qwen-vl-utils 0.0.8 rules: fps 1, even count "
        ">= 4, max_pixels 360*420, decord); ignores --max-side",
    )
    parser.add_argument(
        "--max-side", type=int, default=448, help="downscale frames to at most this many pixels (0: keep)"
    )
    parser.add_argument(
        "--min-pixels",
        type=positive_int,
        help="qwen-vl-utils pixel budget: frame sides become multiples of 28 within it (replaces --max-side)",
    )
    parser.add_argument("--max-pixels", type=positive_int, help="pixel budget: at most this many pixels per frame")
    parser.add_argument(
        "--total-pixels",
        type=positive_int,
        help="pixel budget: pixels shared by all frames of a clip (when --max-pixels is not given)",
    )
    parser.add_argument(
        "--video-input",
        choices=("auto", "video", "images"),
        help="how frames reach the model: one video with its timing (video), separate images (images), "
        "or auto (default; transformers: video when the processor takes video; openai: images)",
    )


def sampling_from_args(args: argparse.Namespace) -> Sampling:
    """The :class:`~favor_hf.video.Sampling` that :func:`add_sampling_options`' flags ask for."""
    from favor_hf.video import Sampling

    max_side = args.max_side or None
    budget = {"min_pixels": args.min_pixels, "max_pixels": args.max_pixels, "total_pixels": args.total_pixels}
    if args.sampling == "official":
        return Sampling(official=True, max_side=None, **budget)
    if args.frames is not None:
        return Sampling(frames=args.frames, max_side=max_side, **budget)
    return Sampling(fps=args.fps if args.fps is not None else 1.0, max_side=max_side, **budget)
