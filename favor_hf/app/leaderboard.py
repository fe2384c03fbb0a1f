"""The leaderboard: scores of every ``favor-hf run`` results file in the Space's results folders.

Each ``*.jsonl`` file is scored by :func:`favor_hf.report.score_run` (the code behind
``favor-hf report``: the final line of every item, 95 % intervals resampling videos, and
for captions the ceiling/floor scores and direction conflicts); scores are cached per file
until the file changes. MCQ runs give one row of per-task accuracies, each with its interval;
caption runs one row of the 13 caption scores with the interval, validity figures, the
motion-aware companion score (not official; ranks follow ``final_score``) and the score signature.

Runs are ranked only against comparable runs: rows carry a ``group`` (the item set, from the
``universe`` of every results line, and for captions a digest of the score ``signature``,
shown in full in the last column) and a ``rank`` within it; ``notes`` says when a table
holds several groups.

Example:
    >>> from favor_hf.data.favor_json import load_video_records
    >>> from favor_hf.models import load_adapter
    >>> from favor_hf.runner import run_benchmark
    >>> Path("results").mkdir()
    >>> _ = run_benchmark(load_adapter("random:0"), load_video_records("synth"), "mcq", "results/r.jsonl", progress=False)
    >>> board = build_leaderboard({"results": Path("results")})
    >>> board.mcq.columns.tolist()[:4]
    ['group', 'rank', 'model', 'settings']
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from favor_hf.caption.analysis.motion import MOTION_RULE_VERSION
from favor_hf.render import format_interval
from favor_hf.report import RunScores, assemble_report, score_run
from favor_hf.report_inputs import ReportError, load_final_records
from favor_hf.run_identity import labels_by_model, row_settings
from favor_hf.schema import CAPTION_SCORE_KEYS, TASK_CODES

MCQ_COLUMNS: tuple[str, ...] = ("ALL", *TASK_CODES)
CAPTION_COLUMNS: tuple[str, ...] = ("final_score", *(k for k in CAPTION_SCORE_KEYS if k != "final_score"))
INTERVAL = " 95% CI"
"""Suffix of the interval column next to each score column."""
VALIDITY_COLUMNS: tuple[str, ...] = ("ceiling", "floor (generic)", "normalised (ours)", "direction conflicts")
RUN_COLUMNS: tuple[str, ...] = ("group", "rank", "model", "settings", "source", "file", "sampling", "answered")

MAX_CACHED_RUNS = 256
"""Scored files kept in memory (the latest version of each file; the oldest entries go first)."""
_CACHE: dict[tuple[str, int, int, str, str | None], RunScores | None] = {}
_CACHE_LOCK = threading.Lock()


@dataclass
class Leaderboard:
    """Tables of the leaderboard tab, the long-form data of its bar chart, and what to tell the reader."""

    mcq: pd.DataFrame
    caption: pd.DataFrame
    chart: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    files: int = 0
    notes: list[str] = field(default_factory=list)
    paper_table: str = ""
    """The runs as rows of the paper's table (:meth:`favor_hf.report.Report.markdown`), MCQ and caption paired."""


def _accuracy(scores: Mapping[str, Any], task: str) -> float | None:
    """Accuracy in percent of ``task`` from :func:`favor_hf.mcq.mcq_accuracy` output, None when absent."""
    value = scores.get(task)
    return None if value is None else round(float(value), 2)


def score_file(path: Path, judge: str = "official", caption_model: str | None = None) -> RunScores | None:
    """One results file scored by :func:`favor_hf.report.score_run` (None: no results yet), cached until it changes.

    Raises:
        favor_hf.report_inputs.ReportError: the file is malformed or mixes runs.
    """
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, judge, caption_model)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    records = load_final_records(path)
    run = (
        score_run(path, judge=judge, caption_model=caption_model, records=records, motion_aware=True)
        if records
        else None
    )
    with _CACHE_LOCK:
        for old in [k for k in _CACHE if k[0] == key[0] and k[1:3] != key[1:3]]:
            del _CACHE[old]  # an earlier version of the file
        _CACHE[key] = run
        while len(_CACHE) > MAX_CACHED_RUNS:
            del _CACHE[next(iter(_CACHE))]  # the oldest entry
    return run


def _item_set(universe: Mapping[str, Any]) -> str:
    """``"124 items #f167c766"``: the size and digest prefix of a run's item set."""
    return f"{universe.get('items', '?')} items #{str(universe.get('sha1') or '?')[:8]}"


def _mcq_row(run: RunScores) -> dict[str, Any]:
    scores, intervals = run.scores, run.intervals
    row: dict[str, Any] = {}
    for task in MCQ_COLUMNS:
        row[task] = _accuracy(scores, task)
        row[task + INTERVAL] = format_interval(*intervals[task]) if task in intervals else ""
    return row


def _caption_row(run: RunScores) -> dict[str, Any]:
    scores, validity = run.scores, run.validity or {}
    row: dict[str, Any] = {key: round(float(scores[key]), 4) for key in CAPTION_COLUMNS}
    low, high = run.intervals.get("final_score", (float("nan"), float("nan")))
    row["final_score" + INTERVAL] = format_interval(low, high, digits=4)

    def rounded(value: Any) -> float | None:
        return None if value is None else round(float(value), 4)

    row.update(
        {
            "ceiling": rounded(validity.get("ceiling")),
            "floor (generic)": rounded(validity.get("floor_generic")),
            "normalised (ours)": rounded(validity.get("normalised")),
            "direction conflicts": validity.get("direction_conflicts"),
            "motion_score (companion)": rounded(scores.get("motion_score")),
            "signature": scores.get("signature") or "(none recorded)",
        }
    )
    return row


def _rank(table: pd.DataFrame, score: str) -> pd.DataFrame:
    """Sort by group, then by ``score`` descending; number the runs within each group."""
    table = table.sort_values(["group", score], ascending=[True, False], na_position="last").reset_index(drop=True)
    table["rank"] = table.groupby("group").cumcount() + 1
    return table


RESULTS_SUFFIXES = (".jsonl", ".xlsx", ".tsv")
"""Results files the leaderboard reads: favor-hf and lmms-eval JSON Lines, VLMEvalKit predictions."""


def _label_settings(rows: list[dict[str, Any]]) -> None:
    """Replace each row's ``settings`` dict by the settings that tell it apart from other rows of its model."""
    labels = labels_by_model([row["model"] for row in rows], [row["settings"] for row in rows])
    for row, label in zip(rows, labels):
        row["settings"] = label


def board_header(files: int, results_dir: Path) -> str:
    """The line above the tables: what was scored, and where to put results files when there are none."""
    if results_dir.is_dir():
        return (
            f"{files} results file(s): `favor-hf run` outputs in the Space's results folder "
            f"(`{results_dir.name}/`) and the baselines run on the sample clips."
        )
    return (
        f"{files} results file(s): the baselines run on the sample clips. This Space has no results folder yet: "
        "put `favor-hf run` results files (`*.jsonl`) in a folder and set `$FAVOR_SPACE_RESULTS` to it "
        f"(default: `{results_dir.name}/` next to `app.py`)."
    )


def build_leaderboard(
    folders: Mapping[str, Path], judge: str = "official", caption_model: str | None = None
) -> Leaderboard:
    """Score every results file directly in each folder (``{source label: folder}``: favor-hf runs,
    lmms-eval sample logs, VLMEvalKit prediction files); absent folders are skipped.

    A file that cannot be read or scored (e.g. the caption model is missing) is listed in
    ``problems`` and left out. Runs over different item sets, and caption scores under
    different signatures, land in different groups, each ranked on its own (see ``notes``).
    """
    from favor_hf.resources import ResourceError

    mcq_rows, caption_rows, problems, runs = [], [], [], []
    files = 0
    for source, folder in folders.items():
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir() if p.suffix in RESULTS_SUFFIXES):
            files += 1
            try:
                run = score_file(path, judge, caption_model)
            except KeyError as err:
                problems.append(f"{path.name}: a line has no {err} field; is it a `favor-hf run` results file?")
                continue
            except ReportError as err:
                problems.append(f"{path.name}: {str(err).removeprefix(f'{path}: ')}")
                continue
            except (ResourceError, OSError, ValueError) as err:
                problems.append(f"{path.name}: {err}")
                continue
            if run is None:
                problems.append(f"{path.name}: no results yet")
                continue
            runs.append(run)
            scores = run.scores
            base = {
                "group": _item_set(run.universe or {}),
                "model": run.model,
                "settings": row_settings(run.records),
                "source": source,
                "file": path.name,
                "sampling": run.sampling,
                "answered": f"{scores['answered']} / {scores.get('universe') or scores['answered']}",
            }
            if run.task == "mcq":
                mcq_rows.append({**base, **_mcq_row(run)})
            elif run.task == "caption":
                row = _caption_row(run)
                signature_id = hashlib.sha1(row["signature"].encode("utf-8")).hexdigest()[:8]
                caption_rows.append({**base, **row, "group": f"{base['group']} · signature #{signature_id}"})
    _label_settings(mcq_rows)
    _label_settings(caption_rows)
    mcq_columns = [*RUN_COLUMNS, *(c for task in MCQ_COLUMNS for c in (task, task + INTERVAL))]
    caption_columns = [
        *RUN_COLUMNS,
        "final_score",
        "final_score" + INTERVAL,
        *VALIDITY_COLUMNS,
        "motion_score (companion)",
        *CAPTION_COLUMNS[1:],
        "signature",
    ]
    mcq = _rank(pd.DataFrame(mcq_rows, columns=mcq_columns), "ALL")
    caption = _rank(pd.DataFrame(caption_rows, columns=caption_columns), "final_score")
    notes = []
    if mcq["group"].nunique() > 1:
        notes.append(
            f"MCQ runs cover {mcq['group'].nunique()} different item sets: each group is ranked on its own, "
            "accuracies of different groups are not comparable"
        )
    if caption["signature"].nunique() > 1:
        notes.append(
            "caption scores were computed under different score signatures (model, word lists, settings): "
            "they are ranked in separate groups, not against each other"
        )
    elif caption["group"].nunique() > 1:
        notes.append(f"caption runs cover {caption['group'].nunique()} different item sets, ranked separately")
    if len(caption):
        notes.append(
            "ceiling = score of the reference caption, floor = score of a constant generic caption, on the "
            "same videos; normalised = (score - floor) / (ceiling - floor): favor-hf's, not the paper's"
        )
        notes.append(
            "motion_score (companion) is favor-hf's motion-aware companion, not official: matched pairs that name "
            "opposite directions or actions, deny each other, or are told out of order count as contradictions "
            "(signature cfg:...+"
            f"{MOTION_RULE_VERSION}); ranks follow the official final_score"
        )
    paper_table = assemble_report(runs, strict=False).markdown() if runs else ""
    return Leaderboard(mcq, caption, chart_data(mcq), problems, files, notes, paper_table)


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
                name += f" ({run['settings']})" if run.get("settings") else ""  # two settings, two bars
                rows.append({"bar": f"{task} · {name}", "task": task, "run": name, "accuracy": float(run[task])})
    return pd.DataFrame(rows, columns=["bar", "task", "run", "accuracy"])
