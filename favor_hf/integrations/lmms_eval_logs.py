"""lmms-eval per-sample logs (``--log_samples``) as favor-hf results lines.

lmms-eval writes ``OUTPUT/<model>/<date>_samples_<task>.jsonl``: per document its
``doc_id``, ``target``, ``filtered_resps`` and the values ``process_results`` returned, but
not the document. The favor-hf task pack returns a whole favor-hf results line as each
metric's value (:mod:`favor_hf.integrations.lmms_eval_tasks`), so the log holds everything
needed to re-score it; this module takes that line back and sets the model name.

Example:
    >>> records = read_samples("out/test/20261130_samples_favor_bench_mcq.jsonl")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from favor_hf.integrations.records import imported_record


def _favor_line(sample: dict[str, Any]) -> dict[str, Any] | None:
    for value in sample.values():
        if isinstance(value, dict) and {"id", "video", "reference", "output", "error"} <= value.keys():
            return value
    return None


def read_samples(path: str | os.PathLike[str], model: str | None = None) -> list[dict[str, Any]]:
    """favor-hf results lines of an lmms-eval samples log of ``favor_bench_mcq`` or ``favor_bench_caption``.

    Args:
        path: the ``*_samples_<task>.jsonl`` file.
        model: the model name to record (default: the log's folder, which lmms-eval names after the model).

    Raises:
        ValueError: a line is not JSON, or is not a sample of a favor-hf task (names file and line).
    """
    path = Path(path)
    source = {"format": "lmms-eval", "file": str(path)}
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: cannot read the lmms-eval samples log ({err})") from err
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            sample = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: line {number} is not JSON ({err.msg})") from err
        line = _favor_line(sample) if isinstance(sample, dict) else None
        if line is None:
            raise ValueError(
                f"{path}: line {number} (doc_id {sample.get('doc_id') if isinstance(sample, dict) else '?'}) has no "
                "favor-hf result in its metric fields; only logs of the favor-hf tasks favor_bench_mcq and "
                "favor_bench_caption can be read"
            )
        records.append(imported_record(line["id"], line["video"], line["output"], line["reference"],
                                       model=model or path.parent.name, sampling="lmms-eval", source=source,
                                       error=line["error"]))
    return records
