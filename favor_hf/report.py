"""The paper's table from results files: one row per model and input setting, with intervals.

:func:`score_run` scores one ``favor-hf run`` results file (final line of every item) and adds
95 % video-clustered bootstrap intervals (:mod:`favor_hf.stats`); for a caption run also the
per-video details, the score signature, the validity figures of
:mod:`favor_hf.caption.analysis.validity` and, when a judge file of :mod:`favor_hf.caption.analysis.llm_judge`
belongs to the run, the mean LLM-judge correctness and detail.
:func:`build_report` pairs the MCQ and caption runs of one model and sampling into one row
like a row of the paper's table (``docs/results-1.png`` upstream): MCQ accuracy overall and
per task, the LLM-free score x100 and, given a video -> subset mapping (e.g. third-person /
ego-centric, which the public annotations do not carry), the same per subset.

Two MCQ conventions are labelled in every output: **answered** (correct / questions
answered, what ``favor-hf score`` prints) and **official count** (correct / the official
number of questions, 8,184 overall, as upstream ``analyze_qa.py``, which counts unanswered
questions as wrong).

Example:
    >>> report = build_report(["qwen-mcq.jsonl", "qwen-caption.jsonl"])  # doctest: +SKIP
    >>> print(report.markdown())  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from favor_hf.schema import OFFICIAL_COUNTS
from favor_hf.stats import (
    LEVEL,
    MCQ_KEYS,
    N_RESAMPLES,
    SEED,
    format_interval,
    mcq_intervals,
    mean_interval,
)

JUDGE_TASK = "caption-judge"
"""``task`` of the lines of an LLM caption-judge file."""


class ReportError(ValueError):
    """A results or subset file cannot be used; the message names the file, line and field."""


@dataclass
class RunScores:
    """One results file scored: identity, scores, intervals and (caption runs) validity and judge means."""

    path: str
    task: str
    model: str
    sampling: str
    universe: dict[str, Any] | None
    records: list[dict[str, Any]]
    scores: dict[str, Any]
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    details: list[dict[str, Any]] = field(default_factory=list)
    validity: dict[str, Any] | None = None
    judge: dict[str, Any] | None = None

    @property
    def answered(self) -> list[dict[str, Any]]:
        """Final lines without an error, in file order."""
        return [r for r in self.records if r.get("error") is None]


def input_setting(sampling: str) -> str:
    """``"fps=1,max_side=448"`` -> ``"1 fps"``; ``"frames=16,..."`` -> ``"16 frames"`` (the paper's wording).

    A ``video_input`` other than frames as images (added by :func:`score_run`) is named in brackets.
    """
    parts = dict(part.split("=", 1) for part in sampling.split(",") if "=" in part)
    label = f"{parts['fps']} fps" if "fps" in parts else f"{parts['frames']} frames" if "frames" in parts else sampling
    return label + (f" ({parts['video_input']})" if "video_input" in parts else "")


def load_final_records(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The final line of each item of a results file, checked to be one run: a favor-hf file,
    or any format :func:`favor_hf.integrations.load_results` reads (lmms-eval, VLMEvalKit).

    Raises:
        ReportError: unreadable, mixed runs, or lines without ``task``.
    """
    from favor_hf.integrations import detect_format, load_results
    from favor_hf.results import ResultsError

    try:
        fmt = detect_format(path)
    except ValueError:
        fmt = "favor"  # no other toolkit's file: read it as favor-hf's, whose errors say what is wrong
    try:
        records = load_results(path, fmt=fmt)
    except (ResultsError, ValueError) as err:
        raise ReportError(str(err)) from err
    for record in records:
        for key in ("task", "model", "video"):
            if key not in record:
                raise ReportError(f"{path}: a line has no {key!r} field; is it a `favor-hf run` results file?")
    return records


def score_run(
    path: str | os.PathLike[str],
    *,
    judge: str = "official",
    caption_model: str | None = None,
    validity: bool = True,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    records: list[dict[str, Any]] | None = None,
    official_hash_seed: int | None = None,
    motion_aware: bool = False,
) -> RunScores:
    """Score one results file of ``favor-hf run`` with intervals (and, for captions, details and validity).

    ``caption_model`` and ``official_hash_seed`` set the caption score (defaults of
    :func:`favor_hf.caption.score_captions`); the result's ``signature`` names them.
    ``motion_aware`` adds the motion-aware companion score (``motion_signature``).

    Raises:
        ReportError: the file is not a results file, or holds no finished item.
    """
    records = load_final_records(path) if records is None else records
    if not records:
        raise ReportError(f"{path}: no results in the file")
    first = records[0]
    task = first["task"]
    sampling = first.get("sampling") or ""
    if first.get("video_input") not in (None, "images", "none"):
        sampling += f",video_input={first['video_input']}"
    run = RunScores(str(path), task, first["model"], sampling, first.get("universe"), records, {})
    answered = run.answered
    base = {
        "answered": len(answered),
        "failed": len(records) - len(answered),
        "universe": (run.universe or {}).get("items"),
    }
    if task == "mcq":
        from favor_hf.mcq import mcq_accuracy

        scores = (
            mcq_accuracy([r["output"] for r in answered], [r["reference"] for r in answered], judge=judge)
            if answered
            else {}
        )
        run.scores = {**scores, "judge": judge, **base}
        run.intervals = mcq_intervals(answered, judge, n_resamples=n_resamples, seed=seed)
    elif task == "caption":
        from favor_hf.caption import score_captions

        options: dict[str, Any] = {"model_name": caption_model} if caption_model else {}
        if official_hash_seed is not None:
            options["official_hash_seed"] = official_hash_seed
        references = [r["reference"] for r in answered]
        result = (
            dict(
                score_captions(
                    [r["output"] for r in answered],
                    references,
                    return_details=True,
                    motion_aware=motion_aware,
                    **options,
                )
            )
            if answered
            else {}
        )
        run.details = result.pop("details", [])
        run.scores = {**result, **base}
        if run.details:
            finals = [video["final_score"] for video in run.details]
            run.intervals = {
                "final_score": mean_interval(finals, [r["video"] for r in answered], n_resamples=n_resamples, seed=seed)
            }
            if validity:
                from favor_hf.caption.analysis.validity import validity_summary

                run.validity = validity_summary(run.details, references, **options)
    else:
        raise ReportError(f"{path}: task {task!r} is not a run of `favor-hf run` (mcq or caption)")
    return run


def load_subsets(path: str | os.PathLike[str]) -> dict[str, str]:
    """A video -> subset mapping: a JSON object ``{video: subset}``, or a CSV with columns ``video,subset``.

    Video names are accepted with or without ``.mp4``.

    Raises:
        ReportError: another layout, or a value that is not a string.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ReportError(f"{path}: cannot read the subset file ({err})") from err
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows or not {"video", "subset"} <= set(rows[0]):
            raise ReportError(f"{path}: a subset CSV needs a header with the columns video,subset")
        pairs = [(row["video"], row["subset"]) for row in rows]
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ReportError(f"{path}: not JSON (line {err.lineno}, column {err.colno}: {err.msg})") from err
        if not isinstance(data, dict):
            raise ReportError(f"{path}: expected a JSON object {{video: subset}} (or a CSV with columns video,subset)")
        pairs = list(data.items())
    mapping = {}
    for video, subset in pairs:
        if not isinstance(subset, str) or not subset.strip():
            raise ReportError(f"{path}: video {video!r}: subset {subset!r} is not a non-empty string")
        mapping[str(video).strip().removesuffix(".mp4")] = subset.strip()
    return mapping


def _judge_means(records: Sequence[Mapping[str, Any]], source: str) -> dict[str, Any]:
    judged = [r for r in records if r.get("error") is None]
    means = {}
    for key in ("correctness", "detail"):
        values = [r[key] for r in judged]
        means[key] = sum(values) / len(values) if values else None
    first = records[0]
    return {
        **means,
        "judged": len(judged),
        "failed": len(records) - len(judged),
        "judge_model": first["model"],
        "prompt_sha1": first.get("prompt_sha1"),
        "file": source,
        "official": False,
    }


def _mcq_columns(run: RunScores, prefix: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {}
    correct = run.scores.get("correct", {})
    for key in MCQ_KEYS:
        if key in run.scores:
            low, high = run.intervals.get(key, (float("nan"), float("nan")))
            row[f"{prefix}{key}"] = run.scores[key]
            row[f"{prefix}{key} low"], row[f"{prefix}{key} high"] = low, high
            row[f"{prefix}{key} official count"] = 100.0 * correct[key] / OFFICIAL_COUNTS[key]
    return row


def _subset_columns(
    mcq: RunScores | None, caption: RunScores | None, subsets: Mapping[str, str], n_resamples: int, seed: int
) -> tuple[dict[str, Any], dict[str, int]]:
    """Per-subset MCQ ``ALL`` and LLM-free score x100 with intervals, and how many videos had no subset."""
    from favor_hf.stats import judge_records

    row: dict[str, Any] = {}
    unassigned: dict[str, int] = {}
    names = sorted(set(subsets.values()))
    if mcq is not None:
        answered = mcq.answered
        correct = judge_records(answered, mcq.scores.get("judge", "official"))
        unassigned["mcq"] = len({r["video"] for r in answered if r["video"] not in subsets})
        for name in names:
            picked = [(r, c) for r, c in zip(answered, correct) if subsets.get(r["video"]) == name]
            if picked:
                row[f"MCQ ALL [{name}]"] = 100.0 * sum(c for _, c in picked) / len(picked)
                row[f"MCQ ALL [{name}] low"], row[f"MCQ ALL [{name}] high"] = mcq_intervals(
                    [r for r, _ in picked], mcq.scores.get("judge", "official"), n_resamples=n_resamples, seed=seed
                )["ALL"]
    if caption is not None and caption.details:
        videos = [r["video"] for r in caption.answered]
        unassigned["caption"] = sum(video not in subsets for video in videos)
        for name in names:
            values = [d["final_score"] * 100 for v, d in zip(videos, caption.details) if subsets.get(v) == name]
            picked = [v for v in videos if subsets.get(v) == name]
            if values:
                row[f"LLM-free [{name}]"] = sum(values) / len(values)
                row[f"LLM-free [{name}] low"], row[f"LLM-free [{name}] high"] = mean_interval(
                    values, picked, n_resamples=n_resamples, seed=seed
                )
    return row, unassigned


@dataclass
class Report:
    """Rows of the paper-style table, the runs behind them and notes (unpaired files, unassigned videos)."""

    rows: list[dict[str, Any]]
    runs: list[RunScores]
    notes: list[str] = field(default_factory=list)
    subsets: list[str] = field(default_factory=list)
    n_resamples: int = N_RESAMPLES
    seed: int = SEED

    def markdown(self) -> str:
        """A Markdown table: accuracies (answered convention) with their 95 % intervals, then notes."""
        columns = ["model", "input", "MCQ items"]
        for key in MCQ_KEYS:
            if any(key in row for row in self.rows):
                columns.append(f"{key} %")
        columns.append("ALL % (official count)")
        columns += [f"MCQ ALL [{name}] %" for name in self.subsets]
        columns += ["LLM-free x100", *(f"LLM-free [{name}]" for name in self.subsets)]
        if any("motion signature" in row for row in self.rows):
            columns.append("motion-aware x100 (companion)")
        columns += [
            "ceiling / generic / empty x100",
            "normalised (ours)",
            "direction conflicts",
            "judge correctness / detail (0-10, ours)",
        ]
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for row in self.rows:
            lines.append("| " + " | ".join(_markdown_cell(row, column) for column in columns) + " |")
        legend = (
            f"Accuracies are % of the questions answered, with {LEVEL:.0%} bootstrap intervals resampling videos "
            f"({self.n_resamples} resamples, seed {self.seed}); `ALL % (official count)` divides by the official 8,184 "
            "questions (upstream analyze_qa.py). LLM-free score x100 with its interval over videos. "
            "Ceiling (reference caption), floors (constant generic caption, empty caption), the normalised score "
            "(score - generic) / (ceiling - generic), the LLM judge and the motion-aware companion are favor-hf's, "
            "not the paper's."
        )
        return "\n".join([*lines, "", legend, *(f"- {note}" for note in self.notes)])

    def flat_rows(self) -> list[dict[str, Any]]:
        """One flat dict per row (numbers unrounded), for CSV."""
        return [{k: v for k, v in row.items() if not isinstance(v, (dict, list))} for row in self.rows]

    def csv(self) -> str:
        """The rows as CSV, one column per value (intervals as ``low``/``high`` columns)."""
        rows = self.flat_rows()
        columns = list(dict.fromkeys(key for row in rows for key in row))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()

    def to_json(self) -> dict[str, Any]:
        """Rows, notes, and per run its scores, intervals, validity (with per-video conflicts) and judge means."""
        return {
            "rows": self.rows,
            "notes": self.notes,
            "bootstrap": {"resamples": self.n_resamples, "seed": self.seed, "level": LEVEL, "unit": "video"},
            "runs": [
                {
                    "file": run.path,
                    "task": run.task,
                    "model": run.model,
                    "sampling": run.sampling,
                    "universe": run.universe,
                    "scores": run.scores,
                    "intervals": {k: list(v) for k, v in run.intervals.items()},
                    "validity": run.validity,
                    "judge": run.judge,
                }
                for run in self.runs
            ],
        }


def _markdown_cell(row: Mapping[str, Any], column: str) -> str:
    if column in ("model", "input", "MCQ items"):
        return str(row.get(column, ""))
    if column == "ALL % (official count)":
        value = row.get("ALL official count")
        return "" if value is None else f"{value:.2f}"
    if column in ("ceiling / generic / empty x100", "normalised (ours)", "direction conflicts"):
        validity = row.get("validity")
        if not validity:
            return ""
        if column == "normalised (ours)":
            return "" if validity["normalised"] is None else f"{validity['normalised']:.3f}"
        if column == "direction conflicts":
            return f"{validity['direction_conflicts']} in {validity['videos_with_conflicts']} videos"
        parts = [validity[key] for key in ("ceiling", "floor_generic", "floor_empty")]
        return " / ".join("n/a" if v is None else f"{100 * v:.1f}" for v in parts)
    if column == "motion-aware x100 (companion)":
        return f"{row[column]:.2f}" if column in row else ""
    if column.startswith("judge"):
        judged = row.get("judge")
        if not judged or judged["correctness"] is None:
            return ""
        return f"{judged['correctness']:.2f} / {judged['detail']:.2f}"
    key = column.removesuffix(" %")
    if key not in row:
        return ""
    return f"{row[key]:.2f} {format_interval(row[key + ' low'], row[key + ' high'])}"


def build_report(
    paths: Sequence[str | os.PathLike[str]],
    *,
    subsets: Mapping[str, str] | None = None,
    judge: str = "official",
    caption_model: str | None = None,
    validity: bool = True,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    official_hash_seed: int | None = None,
    motion_aware: bool = False,
) -> Report:
    """Score results files and pair them into rows: one per (model, sampling) with its MCQ and caption runs.

    ``paths`` may mix MCQ runs, caption runs and caption-judge files (:mod:`favor_hf.caption.analysis.llm_judge`);
    a judge file joins the caption run it judged (same model, sampling and item set).

    Raises:
        ReportError: a file is not a results file, or two files hold the same kind of run of one model and sampling.
    """
    runs: list[RunScores] = []
    judges: list[tuple[str, list[dict[str, Any]]]] = []
    for path in paths:
        records = load_final_records(path)
        if records and records[0]["task"] == JUDGE_TASK:
            judges.append((str(path), records))
        else:
            runs.append(
                score_run(
                    path,
                    judge=judge,
                    caption_model=caption_model,
                    validity=validity,
                    n_resamples=n_resamples,
                    seed=seed,
                    records=records,
                    official_hash_seed=official_hash_seed,
                    motion_aware=motion_aware,
                )
            )
    return assemble_report(runs, judges, subsets=subsets, n_resamples=n_resamples, seed=seed)


def assemble_report(
    runs: Sequence[RunScores],
    judges: Sequence[tuple[str, list[dict[str, Any]]]] = (),
    *,
    subsets: Mapping[str, str] | None = None,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    strict: bool = True,
) -> Report:
    """Pair scored runs (and ``(file, lines)`` of judge files) into the rows of :func:`build_report`.

    Raises:
        ReportError: two runs of the same kind for one model and sampling, unless ``strict`` is
            false: then each gets a row of its own.
    """
    notes: list[str] = []
    for source, records in judges:
        first = records[0]
        target = [
            run
            for run in runs
            if run.task == "caption"
            and run.model == first.get("judged_model")
            and run.records[0].get("sampling") == first.get("sampling")
            and run.universe == first.get("universe")
        ]
        if not target:
            notes.append(
                f"{source}: judges {first.get('judged_model')!r} ({first.get('sampling')}), "
                "whose caption run is not among the files; left out"
            )
            continue
        target[0].judge = _judge_means(records, source)
    groups: dict[tuple[str, str, int], dict[str, RunScores]] = {}
    for run in runs:
        copy = 0
        while run.task in groups.get((run.model, run.sampling, copy), {}):
            if strict:
                taken = groups[(run.model, run.sampling, copy)][run.task].path
                raise ReportError(
                    f"{taken} and {run.path} are both {run.task} runs of {run.model} "
                    f"({run.sampling}); report them separately"
                )
            copy += 1
        groups.setdefault((run.model, run.sampling, copy), {})[run.task] = run
    rows = []
    for (model, sampling, _), slot in groups.items():
        mcq, caption = slot.get("mcq"), slot.get("caption")
        row: dict[str, Any] = {"model": model, "input": input_setting(sampling), "sampling": sampling}
        if mcq is not None:
            row["mcq file"] = mcq.path
            row["MCQ items"] = f"{mcq.scores['answered']} / {mcq.scores.get('universe') or mcq.scores['answered']}"
            row.update(_mcq_columns(mcq))
        if caption is not None and caption.details:
            row["caption file"] = caption.path
            row["caption signature"] = caption.scores.get("signature")
            row["LLM-free x100"] = 100 * caption.scores["final_score"]
            low, high = caption.intervals["final_score"]
            row["LLM-free x100 low"], row["LLM-free x100 high"] = 100 * low, 100 * high
            if "motion_signature" in caption.scores:
                row["motion-aware x100 (companion)"] = 100 * caption.scores["motion_score"]
                row["motion signature"] = caption.scores["motion_signature"]
            if caption.validity:
                row["validity"] = {k: v for k, v in caption.validity.items() if k != "per_video"}
            if caption.judge:
                row["judge"] = caption.judge
        if subsets:
            subset_row, unassigned = _subset_columns(mcq, caption, subsets, n_resamples, seed)
            row.update(subset_row)
            for task, count in unassigned.items():
                if count:
                    notes.append(
                        f"{model} ({input_setting(sampling)}): {count} {task} "
                        f"{'videos' if task == 'caption' else 'videos with questions'} are in no subset"
                    )
        rows.append(row)
    signatures = {row["caption signature"] for row in rows if "caption signature" in row}
    if len(signatures) > 1:
        notes.append(
            "the LLM-free scores were computed under different score signatures "
            f"({', '.join(sorted(map(str, signatures)))}): they are not comparable with each other"
        )
    rows.sort(key=lambda row: -row.get("ALL", row.get("LLM-free x100", 0.0)))
    return Report(rows, list(runs), notes, sorted(set(subsets.values())) if subsets else [], n_resamples, seed)
