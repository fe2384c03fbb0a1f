"""Library error messages in the command line's words.

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

import re
from collections.abc import Mapping

SCORE_CAPTIONS_FLAGS = {"model_name=": "--model", "dictionary_path=": "--dictionary"}
"""``favor-hf score-captions``: Python argument -> flag."""

RUN_FLAGS = {"model_name=": "--caption-model", "dictionary_path=": None}
"""``favor-hf run`` and ``favor-hf score``, which take the word lists from the environment."""


def in_flags(message: str, flags: Mapping[str, str | None]) -> str:
    """``message`` with each Python argument (``name=``) of ``flags`` replaced by its flag."""
    for argument, flag in flags.items():
        if flag is None:
            message = message.replace(f" (or {argument})", "")
        message = re.sub(rf"(?<![\w-]){re.escape(argument)}", flag or argument, message)
    return message
