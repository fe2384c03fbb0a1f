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

This module assembles: results files (read by :mod:`favor_hf.report_inputs`) -> scores,
intervals and subsets -> :class:`Report` rows. The Markdown and CSV views of a report are
:mod:`favor_hf.render`'s (:meth:`Report.markdown` and :meth:`Report.csv` call them).

Two MCQ conventions are labelled in every output: **answered** (correct / questions
answered, what ``favor-hf score`` prints) and **official count** (correct / the official
number of questions, 8,184 overall, as upstream ``analyze_qa.py``, which counts unanswered
questions as wrong).

Example:
    >>> from favor_hf.data.favor_json import load_video_records
    >>> from favor_hf.models import load_adapter
    >>> from favor_hf.runner import run_benchmark
    >>> _ = run_benchmark(load_adapter("flow"), load_video_records("synth"), "mcq", "flow-mcq.jsonl", progress=False)
    >>> report = build_report(["flow-mcq.jsonl"])  # add the caption run (and a judge file) of the same model
    >>> print(report.markdown())
    | model | input | MCQ items | ALL % | AS % | HAC % | SAD % | MAD % | CM % | ALL % (official count) | LLM-free x100 | ceiling / generic / empty x100 | normalised (ours) | direction conflicts | judge correctness / detail (0-10, ours) |
    |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
    | flow | 1 fps | 21 / 21 | 33.33 [18.2, 61.1] | 25.00 [0.0, 75.0] | 25.00 [0.0, 75.0] | 14.29 [0.0, 42.9] | 0.00 [0.0, 0.0] | 100.00 [100.0, 100.0] | 0.09 |  |  |  |  |  |
    <BLANKLINE>
    Accuracies are % of the questions answered, with 95% bootstrap intervals resampling videos (2000 resamples, seed 0); ...
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from favor_hf.environment import environment
from favor_hf.mcq import mcq_accuracy
from favor_hf.render import report_markdown, rows_csv
from favor_hf.report_inputs import ReportError, load_final_records
from favor_hf.run_identity import caption_score_choice, labels_by_model, row_settings
from favor_hf.schema import CAPTION_JUDGE_TASK, MCQ_KEYS, OFFICIAL_COUNTS
from favor_hf.stats import (
    LEVEL,
    N_RESAMPLES,
    SEED,
    judge_records,
    mcq_intervals,
    mean_interval,
)


@dataclass
class RunScores:
    """One results file scored: identity, scores, intervals and (caption runs) validity and LLM-judge means."""

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
    caption_judge: dict[str, Any] | None = None
    """Means of the LLM caption judge's file for this run (:mod:`favor_hf.caption.analysis.llm_judge`),
    written as ``judge`` in rows and JSON; the MCQ judge rule is ``scores["judge"]``."""

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

    ``caption_model`` and ``official_hash_seed`` set the caption score (default: those the run
    recorded, else those of :func:`favor_hf.caption.score_captions`); the result's ``signature`` names them.
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
        scores = (
            mcq_accuracy([r["output"] for r in answered], [r["reference"] for r in answered], judge=judge)
            if answered
            else {}
        )
        run.scores = {**scores, "judge": judge, **base}
        run.intervals = mcq_intervals(answered, judge, n_resamples=n_resamples, seed=seed)
    elif task == "caption":
        from favor_hf.caption import score_captions  # lazy: the caption metric imports scipy; MCQ reports skip it

        options, notes = caption_score_choice(records, caption_model, official_hash_seed)  # default: as recorded
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
        run.scores = {**result, **base, **({"notes": notes} if notes else {})}
        if run.details:
            finals = [video["final_score"] for video in run.details]
            run.intervals = {
                "final_score": mean_interval(finals, [r["video"] for r in answered], n_resamples=n_resamples, seed=seed)
            }
            if validity:
                from favor_hf.caption.analysis.validity import validity_summary  # lazy: as score_captions

                run.validity = validity_summary(run.details, references, **options)
    else:
        raise ReportError(f"{path}: task {task!r} is not a run of `favor-hf run` (mcq or caption)")
    return run


def _caption_judge_means(records: Sequence[Mapping[str, Any]], source: str) -> dict[str, Any]:
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
            in_subset = [v for v in videos if subsets.get(v) == name]
            if values:
                row[f"LLM-free [{name}]"] = sum(values) / len(values)
                row[f"LLM-free [{name}] low"], row[f"LLM-free [{name}] high"] = mean_interval(
                    values, in_subset, n_resamples=n_resamples, seed=seed
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
        """A Markdown table: accuracies (answered convention) with their 95 % intervals, then notes
        (:func:`favor_hf.render.report_markdown`)."""
        return report_markdown(
            self.rows, self.subsets, self.notes, level=LEVEL, n_resamples=self.n_resamples, seed=self.seed
        )

    def flat_rows(self) -> list[dict[str, Any]]:
        """One flat dict per row (numbers unrounded), for CSV."""
        return [{k: v for k, v in row.items() if not isinstance(v, (dict, list))} for row in self.rows]

    def csv(self) -> str:
        """The rows as CSV, one column per value (intervals as ``low``/``high`` columns)."""
        return rows_csv(self.flat_rows())

    def to_json(self) -> dict[str, Any]:
        """Rows, notes, and per run its scores, intervals, validity (with per-video conflicts) and judge means."""
        return {
            "rows": self.rows,
            "notes": self.notes,
            "bootstrap": {"resamples": self.n_resamples, "seed": self.seed, "level": LEVEL, "unit": "video"},
            "environment": environment(),
            "runs": [
                {
                    "file": run.path,
                    "task": run.task,
                    "model": run.model,
                    "sampling": run.sampling,
                    "settings": run.records[0].get("settings") if run.records else None,
                    "universe": run.universe,
                    "scores": run.scores,
                    "intervals": {k: list(v) for k, v in run.intervals.items()},
                    "validity": run.validity,
                    "judge": run.caption_judge,
                }
                for run in self.runs
            ],
        }


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
    judge_files: list[tuple[str, list[dict[str, Any]]]] = []
    for path in paths:
        records = load_final_records(path)
        if records and records[0]["task"] == CAPTION_JUDGE_TASK:
            judge_files.append((str(path), records))
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
    return assemble_report(runs, judge_files, subsets=subsets, n_resamples=n_resamples, seed=seed)


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
        ReportError: two runs of the same kind for one model, sampling and settings, unless
            ``strict`` is false: then each gets a row of its own. Runs of one model with other
            settings (``dtype``, ``max_new_tokens``, ...) get rows of their own, the model
            labelled with the settings that differ, e.g. ``m (dtype=bfloat16)``.
    """
    notes = [f"{run.path}: {note}" for run in runs for note in run.scores.get("notes", [])]  # re-scored otherwise
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
        target[0].caption_judge = _caption_judge_means(records, source)
    groups: dict[tuple[str, str, str, int], dict[str, RunScores]] = {}
    for run in runs:
        copy = 0
        settings = json.dumps(row_settings(run.records), sort_keys=True, default=str)  # other settings, other row
        while run.task in groups.get((run.model, run.sampling, settings, copy), {}):
            if strict:
                taken = groups[(run.model, run.sampling, settings, copy)][run.task].path
                raise ReportError(
                    f"{taken} and {run.path} are both {run.task} runs of {run.model} "
                    f"({run.sampling}) with the same settings; report them separately"
                )
            copy += 1
        groups.setdefault((run.model, run.sampling, settings, copy), {})[run.task] = run
    keys = list(groups)
    labels = dict(zip(keys, labels_by_model([k[0] for k in keys], [json.loads(k[2]) for k in keys])))
    rows = []
    for (model, sampling, settings, copy), slot in groups.items():
        mcq, caption = slot.get("mcq"), slot.get("caption")
        label = labels[(model, sampling, settings, copy)]
        row: dict[str, Any] = {
            "model": f"{model} ({label})" if label else model,
            "input": input_setting(sampling),
            "sampling": sampling,
            "settings": json.loads(settings),
        }
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
            if caption.caption_judge:
                row["judge"] = caption.caption_judge
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
