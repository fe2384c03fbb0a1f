"""Uncertainty of FAVOR scores: video-clustered bootstrap intervals and paired comparisons.

The questions of one video are not independent (a model that misreads a clip misses several
of its questions), so every interval here resamples **videos**, with replacement, and takes
all the items of a drawn video together. Accuracy on a resample is its correct count over its
question count, per task (a ratio estimator); the interval is the percentile interval of
``n_resamples`` resamples drawn with ``numpy.random.default_rng(seed)``, so the same inputs
and seed give the same interval on every machine.

- :func:`mcq_intervals`: per-task 95 % intervals of one run's accuracy.
- :func:`mean_interval`: the interval of a mean of per-video values (the caption score).
- :func:`compare_runs`: two runs on the items both answered: per-task difference with a
  paired bootstrap interval (the same videos drawn for both runs), an exact McNemar p-value
  (two-sided binomial test on the discordant items) and the items that flipped.

Everything here returns numbers (and the :class:`Comparison` structure); the text views of
them are :mod:`favor_hf.render`'s.

Example:
    >>> import numpy as np
    >>> low, high = bootstrap_ratio(np.array([[1.0], [0.0], [1.0]]), np.ones((3, 1)), seed=0)
    >>> float(low[0]), float(high[0])  # 2 of 3 videos right: the resampled accuracy spans 0 to 1
    (0.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from favor_hf.mcq import judge_output
from favor_hf.render import format_comparison
from favor_hf.run_identity import settings_note
from favor_hf.schema import MCQ_KEYS, TASK_CODES

N_RESAMPLES = 2000
"""Bootstrap resamples of every interval."""
SEED = 0
"""Default seed of the bootstrap generator."""
LEVEL = 0.95
"""Coverage of every interval."""


class ComparisonError(ValueError):
    """Two runs cannot be compared as asked; the message says what differs and what to pass."""


def bootstrap_ratio(
    numerators: np.ndarray,
    denominators: np.ndarray,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of ``sum(numerators) / sum(denominators)`` per column, resampling rows.

    Args:
        numerators: ``(videos, groups)``: per video and group, e.g. correct answers per task.
        denominators: same shape: e.g. questions per task.
        n_resamples, seed, level: the bootstrap.

    Returns:
        ``(low, high)`` arrays of one value per group; NaN where no resample has a denominator.
    """
    numerators = np.asarray(numerators, dtype=float)
    denominators = np.asarray(denominators, dtype=float)
    videos = numerators.shape[0]
    if videos == 0:
        nan = np.full(numerators.shape[1], np.nan)
        return nan, nan.copy()
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(videos, np.full(videos, 1.0 / videos), size=n_resamples).astype(float)
    totals = weights @ denominators
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = np.where(totals > 0, (weights @ numerators) / totals, np.nan)
    tail = (1.0 - level) / 2.0
    low, high = np.full(ratios.shape[1], np.nan), np.full(ratios.shape[1], np.nan)
    for column in range(ratios.shape[1]):
        values = ratios[:, column][~np.isnan(ratios[:, column])]
        if values.size:
            low[column], high[column] = np.quantile(values, [tail, 1.0 - tail])
    return low, high


def _per_video(
    videos: Sequence[str], values: Sequence[float], columns: Sequence[Sequence[int]], width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-video sums of ``values`` and item counts, ``(videos, width)`` in first-seen video order;
    item ``i`` adds to each column of ``columns[i]``."""
    rows = {video: i for i, video in enumerate(dict.fromkeys(videos))}
    sums, counts = np.zeros((len(rows), width)), np.zeros((len(rows), width))
    for video, item_columns, value in zip(videos, columns, values):
        for column in item_columns:
            sums[rows[video], column] += value
            counts[rows[video], column] += 1
    return sums, counts


def _video_task_matrix(
    videos: Sequence[str], tasks: Sequence[str], values: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Per-video sums of ``values`` and item counts, columns ``ALL`` then each task code."""
    column = {code: i + 1 for i, code in enumerate(TASK_CODES)}
    return _per_video(videos, values, [(0, column[task]) for task in tasks], len(MCQ_KEYS))


def judge_records(records: Sequence[Mapping[str, Any]], judge: str = "official") -> list[bool]:
    """Per-line correctness of finished MCQ result lines, by :func:`favor_hf.mcq.judge_output` (as ``mcq_accuracy``)."""
    return [
        judge_output(r["output"], r["reference"]["correct_answer"], r["reference"]["options"], judge)[0]
        for r in records
    ]


def mcq_intervals(
    records: Sequence[Mapping[str, Any]],
    judge: str = "official",
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> dict[str, tuple[float, float]]:
    """``{key: (low %, high %)}`` for ``ALL`` and each task present, over the finished lines, resampling videos."""
    answered = [r for r in records if r.get("error") is None]
    correct = judge_records(answered, judge)
    sums, counts = _video_task_matrix([r["video"] for r in answered], [r["task_type"] for r in answered], correct)
    low, high = bootstrap_ratio(sums, counts, n_resamples=n_resamples, seed=seed, level=level)
    present = counts.sum(axis=0) > 0
    return {key: (100 * low[i], 100 * high[i]) for i, key in enumerate(MCQ_KEYS) if present[i]}


def mean_interval(
    values: Sequence[float],
    videos: Sequence[str],
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> tuple[float, float]:
    """Interval of the mean of per-item ``values`` (e.g. per-video caption scores), resampling ``videos``."""
    sums, counts = _per_video(videos, values, [(0,)] * len(videos), 1)
    low, high = bootstrap_ratio(sums, counts, n_resamples=n_resamples, seed=seed, level=level)
    return float(low[0]), float(high[0])


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value: binomial test of ``a_only`` of the discordant items at p = 1/2."""
    from scipy.stats import binomtest  # lazy: scipy takes a second to import, and only comparisons need it

    if a_only + b_only == 0:
        return 1.0
    return float(binomtest(a_only, a_only + b_only, 0.5).pvalue)


@dataclass
class TaskComparison:
    """One task of a paired comparison: accuracies (%), their difference A - B and its interval, McNemar."""

    task: str
    items: int
    accuracy_a: float
    accuracy_b: float
    difference: float
    interval: tuple[float, float]
    a_only: int
    b_only: int
    p_value: float


@dataclass
class Comparison:
    """:func:`compare_runs` output: per-task rows, the flipped items and what was left out."""

    name_a: str
    name_b: str
    tasks: list[TaskComparison]
    gained: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    common: int = 0
    only_a: int = 0
    only_b: int = 0
    notes: list[str] = field(default_factory=list)
    kind: str = "mcq"
    """``"mcq"`` (accuracies, McNemar) or ``"caption"`` (mean LLM-free score x100, sign test)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "a": self.name_a,
            "b": self.name_b,
            "common_items": self.common,
            "only_in_a": self.only_a,
            "only_in_b": self.only_b,
            "notes": self.notes,
            "kind": self.kind,
            "tasks": [vars(task) | {"interval": list(task.interval)} for task in self.tasks],
            "better_in_a": self.gained,
            "better_in_b": self.lost,
        }

    def format(self, max_items: int = 10) -> str:
        """Aligned text: one row per task, then the flipped items (:func:`favor_hf.render.format_comparison`)."""
        return format_comparison(self, max_items)


def _run_field(records: Sequence[Mapping[str, Any]], key: str) -> Any:
    return records[0].get(key) if records else None


def _common_items(
    records_a: Sequence[Mapping[str, Any]],
    records_b: Sequence[Mapping[str, Any]],
    names: tuple[str, str],
    task: str,
    intersection: bool,
) -> tuple[list[str], dict[str, Mapping[str, Any]], dict[str, Mapping[str, Any]], list[str]]:
    """Check two runs are comparable; return notes, finished lines by id of each, and the ids both finished."""
    for name, records in zip(names, (records_a, records_b)):
        if not records or _run_field(records, "task") != task:
            raise ComparisonError(
                f"{name}: not a {task} results file of `favor-hf run` (task {_run_field(records, 'task')!r})"
            )
    notes = []
    for key, what in (("universe", "item sets"), ("sampling", "frame sampling"), ("video_input", "video input modes")):
        a, b = _run_field(records_a, key), _run_field(records_b, key)
        if key == "video_input" and {a, b} & {None, "none"}:
            continue  # a run that reads no frames (random) is comparable with any video input mode
        if a != b:
            if not intersection:
                raise ComparisonError(
                    f"{names[0]} and {names[1]} were run over different {what} ({key} {a!r} vs {b!r}); "
                    "pass --intersection to compare the items both answered anyway"
                )
            notes.append(f"note: different {what} ({key} {a!r} vs {b!r}); compared on the intersection as asked")
    settings = settings_note(_run_field(records_a, "settings"), _run_field(records_b, "settings"))
    if settings is not None:  # e.g. one model in bfloat16 and float32: comparable, and said so
        notes.append(settings)
    by_a = {r["id"]: r for r in records_a if r.get("error") is None}
    by_b = {r["id"]: r for r in records_b if r.get("error") is None}
    common = [key for key in by_a if key in by_b]
    for key in common:
        if by_a[key]["reference"] != by_b[key]["reference"]:
            raise ComparisonError(
                f"item {key!r} has different references in {names[0]} and {names[1]}: not the same item"
            )
    return notes, by_a, by_b, common


def compare_runs(
    records_a: Sequence[Mapping[str, Any]],
    records_b: Sequence[Mapping[str, Any]],
    *,
    names: tuple[str, str] = ("A", "B"),
    judge: str = "official",
    intersection: bool = False,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> Comparison:
    """Paired comparison of two MCQ runs on the items both answered (final lines of two results files).

    Raises:
        ComparisonError: the runs are not MCQ runs, or differ in item set (``universe``),
            frame sampling or video input and ``intersection`` is false.
    """
    notes, by_a, by_b, common = _common_items(records_a, records_b, names, "mcq", intersection)
    items_a, items_b = [by_a[k] for k in common], [by_b[k] for k in common]
    right_a = np.array(judge_records(items_a, judge), dtype=bool)
    right_b = np.array(judge_records(items_b, judge), dtype=bool)
    videos = [r["video"] for r in items_a]
    tasks = [r["task_type"] for r in items_a]
    diff_sums, counts = _video_task_matrix(videos, tasks, right_a.astype(float) - right_b.astype(float))
    low, high = bootstrap_ratio(diff_sums, counts, n_resamples=n_resamples, seed=seed, level=level)
    rows = []
    task_array = np.array(tasks)
    for column, key in enumerate(MCQ_KEYS):
        mask = np.ones(len(common), bool) if key == "ALL" else task_array == key
        n = int(mask.sum())
        if not n:
            continue
        a_only = int((right_a & ~right_b & mask).sum())
        b_only = int((right_b & ~right_a & mask).sum())
        acc_a, acc_b = 100 * right_a[mask].mean(), 100 * right_b[mask].mean()
        rows.append(
            TaskComparison(
                key,
                n,
                float(acc_a),
                float(acc_b),
                float(acc_a - acc_b),
                (100 * float(low[column]), 100 * float(high[column])),
                a_only,
                b_only,
                mcnemar_exact(a_only, b_only),
            )
        )
    return Comparison(
        names[0],
        names[1],
        rows,
        gained=[k for k, a, b in zip(common, right_a, right_b) if a and not b],
        lost=[k for k, a, b in zip(common, right_a, right_b) if b and not a],
        common=len(common),
        only_a=len(by_a) - len(common),
        only_b=len(by_b) - len(common),
        notes=notes,
    )


def compare_caption_runs(
    records_a: Sequence[Mapping[str, Any]],
    records_b: Sequence[Mapping[str, Any]],
    scores_a: Mapping[str, float],
    scores_b: Mapping[str, float],
    *,
    names: tuple[str, str] = ("A", "B"),
    intersection: bool = False,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    level: float = LEVEL,
) -> Comparison:
    """Paired comparison of two caption runs on the videos both captioned.

    ``scores_a``/``scores_b`` map item id to its ``final_score``. The row holds the mean scores
    x100, their difference with a paired bootstrap interval (videos resampled), the videos
    each run scores higher on and a two-sided sign test over those (ties left out).

    Raises:
        ComparisonError: as :func:`compare_runs`, for caption runs.
    """
    notes, by_a, by_b, common = _common_items(records_a, records_b, names, "caption", intersection)
    a = np.array([scores_a[key] for key in common], dtype=float)
    b = np.array([scores_b[key] for key in common], dtype=float)
    low, high = bootstrap_ratio(
        (a - b)[:, None], np.ones((len(common), 1)), n_resamples=n_resamples, seed=seed, level=level
    )
    higher_a = [key for key, x, y in zip(common, a, b) if x > y]
    higher_b = [key for key, x, y in zip(common, a, b) if y > x]
    mean_a, mean_b = (100 * float(v.mean()) if len(common) else float("nan") for v in (a, b))
    row = TaskComparison(
        "final_score",
        len(common),
        mean_a,
        mean_b,
        mean_a - mean_b,
        (100 * float(low[0]), 100 * float(high[0])),
        len(higher_a),
        len(higher_b),
        mcnemar_exact(len(higher_a), len(higher_b)),
    )
    return Comparison(
        names[0],
        names[1],
        [row],
        gained=higher_a,
        lost=higher_b,
        common=len(common),
        only_a=len(by_a) - len(common),
        only_b=len(by_b) - len(common),
        notes=notes,
        kind="caption",
    )
