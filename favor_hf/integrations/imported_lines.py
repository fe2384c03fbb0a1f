"""favor-hf results lines for answers produced by another toolkit.

Every reader of :mod:`favor_hf.integrations` returns lines of the favor-hf results format
(:mod:`favor_hf.results`): ``id``, ``video``, ``task``, ``task_type``, ``model``,
``sampling``, ``output``, ``error``, ``reference`` and ``universe``, plus ``source`` (the
format and file the answer came from). ``timing`` and ``frames`` are ``None``: other
toolkits do not record them per item. ``universe`` covers the items of the file, or of
the data directory when one is given, so ``favor-hf score`` reports what was not run.

Example:
    >>> line = imported_record("00X3U_1", "00X3U", "(A)", {"correct_answer": "Sits", "options": ["Sits"],
    ...     "task_type": "AS"}, model="m", sampling="vlmevalkit", source={"format": "vlmevalkit", "file": "m.xlsx"})
    >>> line["task"], line["error"]
    ('mcq', None)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from favor_hf.results import universe_digest


def json_lines(path: Path, what: str) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` for each non-blank line of the JSON Lines file ``path``.

    Raises:
        ValueError: the file cannot be read (``what`` names it) or a line is not JSON; names the file and line.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: cannot read the {what} ({err})") from err
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(
                f"{path}:{number}: not a JSON line ({err.msg}); a torn last line means the run was cut off"
            ) from err
        yield number, value


def imported_record(
    item_id: str,
    video: str,
    output: str | None,
    reference: dict[str, Any],
    *,
    model: str,
    sampling: str,
    source: dict[str, Any],
    error: str | None = None,
) -> dict[str, Any]:
    """One results line; an MCQ when ``reference`` has ``options``, else a caption."""
    task = "mcq" if "options" in reference else "caption"
    return {
        "id": item_id,
        "video": video,
        "task": task,
        "task_type": reference["task_type"] if task == "mcq" else "caption",
        "model": model,
        "sampling": sampling,
        "shard": None,
        "output": None if error else output,
        "error": error,
        "frames": None,
        "timing": None,
        "reference": reference,
        "universe": None,
        "finished_at": None,
        "source": source,
    }


def set_universe(records: list[dict[str, Any]], universe_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Record the item set (``universe_ids``, else the records' own ids) in every line; returns ``records``."""
    ids = list(universe_ids) if universe_ids is not None else [r["id"] for r in records]
    universe = {"items": len(ids), "sha1": universe_digest(ids)}
    for record in records:
        record["universe"] = universe
    return records
