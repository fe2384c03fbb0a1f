"""lmms-eval per-sample logs (``--log_samples``) as favor-hf results lines.

lmms-eval writes ``OUTPUT/<model>/<date>_samples_<task>.jsonl``: per document its
``doc_id``, ``target``, ``filtered_resps`` and the values ``process_results`` returned, but
not the document. The favor-hf task pack returns the item's whole favor-hf results line
among those values (:mod:`favor_hf.integrations.lmms_eval_tasks`), so the log holds everything
needed to re-score it; this module takes that line back. The model and frame sampling come
from the run's ``<date>_results.json`` next to it (``model_args``: ``model_version``,
``model`` or ``pretrained``; ``max_frames_num`` or ``video_fps``), else the folder name.

Example:
    >>> # not run in CI: needs a samples log, which lmms-eval writes while calling a model server
    >>> # (tests/test_lmms_eval.py makes one with the real lmms-eval CLI and a loopback server)
    >>> records = read_samples("out/test/20261130_samples_favor_bench_mcq.jsonl")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from favor_hf.integrations.imported_lines import imported_record, json_lines


def _favor_line(sample: dict[str, Any]) -> dict[str, Any] | None:
    for value in sample.values():
        if isinstance(value, dict) and {"id", "video", "reference", "output", "error"} <= value.keys():
            return value
    return None


def run_identity(path: Path) -> tuple[str, str]:
    """``(model, sampling)`` of a samples log, from the run's results file when it is there."""
    results = path.with_name(path.name.split("_samples_", 1)[0] + "_results.json")
    args: dict[str, str] = {}
    if "_samples_" in path.name and results.is_file():
        try:
            model_args = json.loads(results.read_text(encoding="utf-8"))["config"]["model_args"]
        except (OSError, ValueError, KeyError, TypeError):
            model_args = ""
        if isinstance(model_args, str):
            args = dict(part.split("=", 1) for part in model_args.split(",") if "=" in part)
    model = args.get("model_version") or args.get("model") or args.get("pretrained") or path.parent.name
    if "video_fps" in args:
        return model, f"lmms-eval:fps={float(args['video_fps']):g}"
    if "max_frames_num" in args:
        return model, f"lmms-eval:frames={args['max_frames_num']}"
    return model, "lmms-eval"


def read_samples(path: str | os.PathLike[str], model: str | None = None) -> list[dict[str, Any]]:
    """favor-hf results lines of an lmms-eval samples log of ``favor_bench_mcq`` or ``favor_bench_caption``.

    Args:
        path: the ``*_samples_<task>.jsonl`` file.
        model: the model name to record (default: from the run, see :func:`run_identity`).

    Raises:
        ValueError: a line is not JSON, or is not a sample of a favor-hf task (names file and line).
    """
    path = Path(path)
    source = {"format": "lmms-eval", "file": str(path)}
    run_model, sampling = run_identity(path)
    records = []
    for number, sample in json_lines(path, "lmms-eval samples log"):
        line = _favor_line(sample) if isinstance(sample, dict) else None
        if line is None:
            raise ValueError(
                f"{path}: line {number} (doc_id {sample.get('doc_id') if isinstance(sample, dict) else '?'}) has no "
                "favor-hf result in its metric fields; only logs of the favor-hf tasks favor_bench_mcq and "
                "favor_bench_caption can be read"
            )
        records.append(
            imported_record(
                line["id"],
                line["video"],
                line["output"],
                line["reference"],
                model=model or run_model,
                sampling=sampling,
                source=source,
                error=line["error"],
            )
        )
    return records
