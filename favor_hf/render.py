"""Every text, Markdown and CSV view of FAVOR numbers, in one place.

The modules that compute numbers (:mod:`favor_hf.stats`, :mod:`favor_hf.report`,
:mod:`favor_hf.runner`, :mod:`favor_hf.integrations`) return numbers and data structures;
the functions here turn those into what the CLI prints, ``favor-hf report`` writes and the
Space shows. Nothing here computes a score or an interval, and nothing reads its own output
back: a column is added by passing its numbers, never by parsing a rendered table.

- :func:`format_interval`, :func:`aligned_rows`: the two building blocks.
- :func:`format_scores`, :func:`format_results_header`: ``favor-hf score`` / ``run``.
- :func:`format_judge_table`: both MCQ judges and the official counts side by side.
- :func:`format_comparison`: a paired comparison of two runs (``favor-hf compare``).
- :func:`report_markdown`, :func:`rows_csv`: the paper-style table of ``favor-hf report``.

This module imports only :mod:`favor_hf.schema`, so every other module may use it.

Example:
    >>> format_interval(41.234, 49.81)
    '[41.2, 49.8]'
    >>> print("\\n".join(aligned_rows(("task", "accuracy %"), [("ALL", "45.10")])))
    task  accuracy %
    ALL   45.10
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from favor_hf.schema import CAPTION_SCORE_KEYS, MCQ_KEYS, MOTION_SCORE_KEYS

if TYPE_CHECKING:  # type only: stats imports this module to render its comparisons
    from favor_hf.stats import Comparison


def format_interval(low: float, high: float, digits: int = 1) -> str:
    """``"[41.2, 49.8]"``; ``"n/a"`` when the interval is undefined."""
    if math.isnan(low) or math.isnan(high):
        return "n/a"
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def aligned_rows(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """``header`` and ``rows`` as lines of left-aligned columns two spaces apart (trailing spaces stripped)."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]


def format_results_header(records: Sequence[Mapping[str, Any]]) -> str:
    """One line naming the run of a results file and how complete it is."""
    first = records[0]
    failed = sum(1 for r in records if r.get("error") is not None)
    universe = (first.get("universe") or {}).get("items", len(records))
    return (
        f"model {first['model']} | task {first['task']} | sampling {first['sampling']} | "
        f"{len(records) - failed} answered, {failed} failed, {max(0, universe - len(records))} not run, of {universe} items"
    )


def format_scores(
    scores: Mapping[str, Any],
    task: str,
    intervals: Mapping[str, tuple[float, float]] | None = None,
    *,
    level: float | None = None,
    n_resamples: int | None = None,
    seed: int | None = None,
) -> str:
    """The score table of :func:`favor_hf.runner.score_records` as aligned text.

    Given ``intervals`` (``{key: (low %, high %)}`` of :func:`favor_hf.stats.mcq_intervals`) an
    MCQ table gets a ``95% CI (videos resampled)`` column (``n/a`` for a task without one) and a
    line naming the bootstrap; ``level``, ``n_resamples`` and ``seed`` are then required.
    """
    if task == "mcq":
        counts = scores.get("counts", {})
        rows = [(key, f"{scores[key]:.2f}", str(counts.get(key, ""))) for key in MCQ_KEYS if key in scores]
        header: tuple[str, ...] = ("task", "accuracy %", "questions")
        footer = f"judge: {scores.get('judge')}; hedged outputs (naming several options): {scores.get('hedged', 0)}"
        if scores.get("thinking"):
            footer += f"; outputs with <think> reasoning (judged after it): {scores['thinking']}"
    else:
        rows = [(key, f"{scores[key]:.4f}", "") for key in CAPTION_SCORE_KEYS if key in scores]
        header = ("score", "mean", "")
        footer = f"caption model: {scores.get('model_name', '?')}, videos: {scores.get('num_videos', 0)}"
        footer += f"\nsignature: {scores.get('signature', '?')}"
        if "motion_signature" in scores:
            footer += "\n" + format_motion(scores)
    if not rows:
        return "no finished items to score"
    if intervals is None or task != "mcq" or "ALL" not in scores:
        return "\n".join([*aligned_rows(header, rows), footer])
    if level is None or n_resamples is None or seed is None:
        raise ValueError("format_scores: intervals need the level, n_resamples and seed that produced them")
    nan = (math.nan, math.nan)
    header += (f"{level:.0%} CI (videos resampled)",)
    with_intervals = [(*row, format_interval(*intervals.get(row[0], nan), digits=2)) for row in rows]
    return "\n".join(
        [
            *aligned_rows(header, with_intervals),
            footer,
            f"intervals: {n_resamples} bootstrap resamples of videos, seed {seed}",
        ]
    )


def format_judge_table(table: Mapping[str, Any]) -> str:
    """:func:`favor_hf.integrations.mcq_conventions.judge_table` as aligned text: per task, official % and
    strict % (over the answered), official % of the official count."""
    if "official" not in table:
        return "no answered questions to score"
    official, strict, full = table["official"], table["strict"], table["official_full_counts"]
    header = ("task", "official %", "strict %", "questions", "official % of full count")
    rows = [
        (
            key,
            f"{official[key]:.2f}",
            f"{strict[key]:.2f}",
            str(official["counts"][key]),
            f"{full[key]:.2f} (/{full['counts'][key]})",
        )
        for key in MCQ_KEYS
        if key in official
    ]
    lines = aligned_rows(header, rows)
    lines.append(
        f"hedged outputs (naming several options): {official['hedged']}; answered {table['answered']}, "
        f"failed {table['failed']}"
    )
    return "\n".join(lines)


def format_comparison(comparison: Comparison, max_items: int = 10) -> str:
    """A :class:`favor_hf.stats.Comparison` as aligned text: one row per task, then the flipped items."""
    header: tuple[str, ...] = (
        "task",
        "items",
        "A %",
        "B %",
        "A-B",
        "95% CI (paired, videos)",
        "A only",
        "B only",
        "McNemar p",
    )
    labels = ("right in A only", "right in B only")
    if comparison.kind == "caption":
        header = (
            "score",
            "videos",
            "A x100",
            "B x100",
            "A-B",
            "95% CI (paired, videos)",
            "A higher",
            "B higher",
            "sign test p",
        )
        labels = ("higher in A", "higher in B")
    rows = [
        (
            t.task,
            str(t.items),
            f"{t.accuracy_a:.2f}",
            f"{t.accuracy_b:.2f}",
            f"{t.difference:+.2f}",
            format_interval(*t.interval, digits=2),
            str(t.a_only),
            str(t.b_only),
            f"{t.p_value:.4g}",
        )
        for t in comparison.tasks
    ]
    lines = [
        f"A = {comparison.name_a}",
        f"B = {comparison.name_b}",
        f"{comparison.common} items answered in both ({comparison.only_a} only in A, "
        f"{comparison.only_b} only in B, left out)",
    ]
    lines += aligned_rows(header, rows)
    for label, ids in zip(labels, (comparison.gained, comparison.lost)):
        shown = ", ".join(ids[:max_items]) + (", ..." if len(ids) > max_items else "")
        lines.append(f"{label} ({len(ids)}): {shown or '-'}")
    lines += comparison.notes
    return "\n".join(lines)


_VALIDITY_COLUMNS = ("ceiling / generic / empty x100", "normalised (ours)", "direction conflicts")


def report_markdown(
    rows: Sequence[Mapping[str, Any]],
    subsets: Sequence[str],
    notes: Sequence[str],
    *,
    level: float,
    n_resamples: int,
    seed: int,
) -> str:
    """The rows of a :class:`favor_hf.report.Report` as a Markdown table: accuracies (answered
    convention) with their intervals, then a legend naming the bootstrap, then the notes."""
    columns = ["model", "input", "MCQ items"]
    for key in MCQ_KEYS:
        if any(key in row for row in rows):
            columns.append(f"{key} %")
    columns.append("ALL % (official count)")
    columns += [f"MCQ ALL [{name}] %" for name in subsets]
    columns += ["LLM-free x100", *(f"LLM-free [{name}]" for name in subsets)]
    if any("motion signature" in row for row in rows):
        columns.append("motion-aware x100 (companion)")
    columns += [*_VALIDITY_COLUMNS, "judge correctness / detail (0-10, ours)"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_markdown_cell(row, column) for column in columns) + " |")
    legend = (
        f"Accuracies are % of the questions answered, with {level:.0%} bootstrap intervals resampling videos "
        f"({n_resamples} resamples, seed {seed}); `ALL % (official count)` divides by the official 8,184 "
        "questions (upstream analyze_qa.py). LLM-free score x100 with its interval over videos. "
        "Ceiling (reference caption), floors (constant generic caption, empty caption), the normalised score "
        "(score - generic) / (ceiling - generic), the LLM judge and the motion-aware companion are favor-hf's, "
        "not the paper's."
    )
    return "\n".join([*lines, "", legend, *(f"- {note}" for note in notes)])


def _markdown_cell(row: Mapping[str, Any], column: str) -> str:
    if column in ("model", "input", "MCQ items"):
        return str(row.get(column, ""))
    if column == "ALL % (official count)":
        value = row.get("ALL official count")
        return "" if value is None else f"{value:.2f}"
    if column in _VALIDITY_COLUMNS:
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


def rows_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Flat rows as CSV, one column per key in first-seen order (blank where a row lacks it)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def format_motion(result: Mapping[str, Any]) -> str:
    """The motion-aware companion's lines of a ``score_captions(motion_aware=True)`` result, printed
    under the official scores and named as not official."""
    lines = [
        f"motion-aware companion (not official): {result['motion_signature']}",
        *(f"{key:<32}{result[key]:.4f}" for key in MOTION_SCORE_KEYS),
        f"contradicted pairs: {result['motion_contradictions']} in "
        f"{result['videos_with_motion_contradictions']} videos",
    ]
    return "\n".join(lines)
