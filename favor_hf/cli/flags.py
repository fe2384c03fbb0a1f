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
from collections.abc import Mapping

SCORE_CAPTIONS_FLAGS = {
    "model_name=": "--model", "dictionary_path=": "--dictionary", "official_hash_seed=": "--official-hash-seed",
}
"""``favor-hf score-captions``: Python argument -> flag."""

RUN_FLAGS = {"model_name=": "--caption-model", "dictionary_path=": None, "official_hash_seed=": "--official-hash-seed"}
"""``favor-hf run`` and ``favor-hf score``, which take the word lists from the environment."""


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
        "--official-hash-seed", type=int, default=0, metavar="N",
        help="caption step 1 equals the official run under PYTHONHASHSEED=N (default 0; the official "
        "extraction depends on it through two set orders)",
    )
