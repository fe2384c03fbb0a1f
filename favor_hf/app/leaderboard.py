"""The leaderboard: scores of every ``favor-hf run`` results file in the Space's results folders.

Each ``*.jsonl`` file is read with :func:`favor_hf.runner.selected_final_records` and scored
with :func:`favor_hf.runner.score_records` (the same code as ``favor-hf score``); scores are
cached per file until the file changes. MCQ runs give one row of per-task accuracies,
caption runs one row of the 13 caption scores.

Example:
    >>> board = build_leaderboard({"results": Path("space/results")})  # doctest: +SKIP
    >>> board.mcq.columns.tolist()[:4]  # doctest: +SKIP
    ['model', 'source', 'sampling', 'answered']
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from favor_hf.schema import CAPTION_SCORE_KEYS, TASK_CODES

MCQ_COLUMNS: tuple[str, ...] = ("ALL", *TASK_CODES)
CAPTION_COLUMNS: tuple[str, ...] = ("final_score", *(k for k in CAPTION_SCORE_KEYS if k != "final_score"))

_CACHE: dict[tuple[str, int, int, str, str | None], dict[str, Any]] = {}
_CACHE_LOCK = threading.Lock()


@dataclass
class Leaderboard:
    """Tables of the leaderboard tab and the long-form data of its bar chart."""

    mcq: pd.DataFrame
    caption: pd.DataFrame
    chart: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    files: int = 0


def _accuracy(scores: Mapping[str, Any], task: str) -> float | None:
    """Accuracy in percent of ``task`` from :func:`favor_hf.mcq.mcq_accuracy` output, None when absent."""
    value = scores.get(task)
    return None if value is None else round(float(value), 2)


def score_file(path: Path, judge: str = "official", caption_model: str | None = None) -> dict[str, Any]:
    """Run identity and scores of one results file, cached until its size or mtime changes.

    Raises:
        favor_hf.results.ResultsError: the file is malformed or mixes runs.
    """
    from favor_hf.runner import score_records, selected_final_records

    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, judge, caption_model)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    records = selected_final_records(path)
    if not records:
        entry: dict[str, Any] = {"task": None}
    else:
        task = records[0]["task"]
        entry = {
            "task": task,
            "model": records[0]["model"],
            "sampling": records[0]["sampling"],
            "scores": score_records(records, task, judge=judge, caption_model=caption_model),
        }
    with _CACHE_LOCK:
        _CACHE[key] = entry
    return entry


def build_leaderboard(
    folders: Mapping[str, Path], judge: str = "official", caption_model: str | None = None
) -> Leaderboard:
    """Score every ``*.jsonl`` directly in each folder (``{source label: folder}``); absent folders are skipped.

    A file that cannot be read or scored (e.g. the caption model is missing) is listed in
    ``problems`` and left out.
    """
    from favor_hf.resources import ResourceError
    from favor_hf.results import ResultsError

    mcq_rows, caption_rows, problems = [], [], []
    files = 0
    for source, folder in folders.items():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.jsonl")):
            files += 1
            try:
                entry = score_file(path, judge, caption_model)
            except KeyError as err:
                problems.append(f"{path.name}: a line has no {err} field; is it a `favor-hf run` results file?")
                continue
            except (ResultsError, ResourceError, OSError, ValueError) as err:
                problems.append(f"{path.name}: {err}")
                continue
            if entry["task"] is None:
                problems.append(f"{path.name}: no results yet")
                continue
            scores = entry["scores"]
            base = {
                "model": entry["model"],
                "source": source,
                "file": path.name,
                "sampling": entry["sampling"],
                "answered": f"{scores['answered']} / {scores.get('universe') or scores['answered']}",
            }
            if entry["task"] == "mcq":
                mcq_rows.append({**base, **{task: _accuracy(scores, task) for task in MCQ_COLUMNS}})
            else:
                caption_rows.append({**base, **{key: round(float(scores[key]), 4) for key in CAPTION_COLUMNS}})
    run_columns = ["model", "source", "file", "sampling", "answered"]
    mcq = pd.DataFrame(mcq_rows, columns=[*run_columns, *MCQ_COLUMNS])
    caption = pd.DataFrame(caption_rows, columns=[*run_columns, *CAPTION_COLUMNS])
    mcq = mcq.sort_values("ALL", ascending=False, na_position="last").reset_index(drop=True)
    caption = caption.sort_values("final_score", ascending=False).reset_index(drop=True)
    return Leaderboard(mcq, caption, chart_data(mcq), problems, files)


def chart_data(mcq: pd.DataFrame) -> pd.DataFrame:
    """Long form for a grouped bar chart: one bar per (task, run), labelled ``"TASK · model"``.

    Gradio's bar chart stacks bars that share an x value, so each run gets its own x
    label within its task group; colour tells the runs apart.
    """
    rows = []
    for task in MCQ_COLUMNS:
        for _, run in mcq.iterrows():
            if pd.notna(run[task]):
                name = run["model"] if run["source"] == "results" else f"{run['model']} [{run['source'].split()[0]}]"
                rows.append({"bar": f"{task} · {name}", "task": task, "run": name, "accuracy": float(run[task])})
    return pd.DataFrame(rows, columns=["bar", "task", "run", "accuracy"])
