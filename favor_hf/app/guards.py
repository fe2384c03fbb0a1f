"""What a shared Space guards against: oversized or too deeply nested input, visitors' text on disk,
ground truth that parses to nothing without a word.

Example:
    >>> check_size("A man walks.", 4000, "caption", "FAVOR_SPACE_MAX_CAPTION_CHARS")
    >>> parse_json("[" * 100_000)
    Traceback (most recent call last):
    ...
    ValueError: the pasted record is nested too deeply (arrays or objects inside each other); paste one FAVOR video record, a flat JSON object
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any


class SpaceError(RuntimeError):
    """A run on a clip failed in a way the user can act on; the message says how."""


class InputTooLarge(SpaceError):
    """A caption or pasted record over the Space's size limit."""


def check_size(text: str, limit: int, what: str, variable: str) -> None:
    """Raise :class:`InputTooLarge` when ``text`` has more than ``limit`` characters; ``variable`` sets the limit."""
    if len(text) > limit:
        raise InputTooLarge(
            f"the {what} has {len(text):,} characters; this Space takes at most {limit:,} "
            f"(its owner sets the limit with ${variable})"
        )


def parse_json(text: str) -> Any:
    """``json.loads`` with every failure, deep nesting included, as a ``ValueError`` saying what to paste."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"the pasted record is not JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
    except RecursionError:
        raise ValueError(
            "the pasted record is nested too deeply (arrays or objects inside each other); "
            "paste one FAVOR video record, a flat JSON object"
        ) from None


def annotation_warnings(clip: Mapping[str, Any]) -> list[str]:
    """What :func:`favor_hf.annotations.parse_annotations` could not read in a clip's ground truth
    (a ``motion_list`` without ``Subject N:`` headers scores no subject), for display next to a score."""
    from favor_hf.annotations import parse_annotations

    return list(parse_annotations(clip).parse_warnings)


def keep_visitor_text_in_memory() -> None:
    """Turn the persistent embedding cache off for this process: visitors' captions are embedded
    in memory only and never written under ``~/.cache/favor_hf``."""
    os.environ["FAVOR_EMBEDDING_CACHE"] = "off"


def forget_visitor_text() -> None:
    """Drop the verb analyses step 1 memoises across calls (keyed by caption text), so that a
    long-running Space neither grows them without bound nor keeps visitors' text once answered."""
    from favor_hf.caption.extract.verbs import VerbAnalyzer

    VerbAnalyzer.shared.cache_clear()
