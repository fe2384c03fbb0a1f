"""Comparisons of similarities that floating-point noise cannot flip.

Every decision of step 2 that selects or thresholds (the best reference action of a
predicted one, the subject assignment and its order, the similarity thresholds, the window
merge test, the clean-up of weak matches) compares values built from Sentence-BERT
embeddings, ``np.exp`` and sums. Their last bits differ between CPUs (SIMD code paths of
numpy's ``exp``, BLAS and torch kernels), so the official scorer, which compares them
exactly, gives different scores on different machines: for video ``E002I`` two reference
actions tie in real arithmetic (similarity clamped to 1.0 for both, position closeness
``exp(-4 * 0.2**2)`` for both), and the last bit of ``np.exp`` decides which one is matched
(``subject_order_score`` 1.0 on one CPU, 0.95 on another).

The rule, used by every decision: two values within :data:`TOLERANCE` of each other are
equal. Between equal values the earlier one wins (the lower reference index, the earlier
pair), which is what the official code gives on exact ties; a threshold is met by a value
equal to it. Only decisions use the rule: scores are computed from the unrounded values.
A flip then needs a gap between two values within a few ulps of :data:`TOLERANCE` itself,
instead of within a few ulps of zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

TOLERANCE = 1e-5
"""Values closer than this are equal for every decision (far above float noise of the
similarities, 1e-7 to 1e-6 across CPUs, and far below their meaningful differences)."""


def at_least(value: float, bound: float) -> bool:
    """``value >= bound``, with values within :data:`TOLERANCE` counting as equal."""
    return value >= bound - TOLERANCE


def above(value: float, bound: float) -> bool:
    """``value > bound`` by more than :data:`TOLERANCE`."""
    return value > bound + TOLERANCE


def below(value: float, bound: float) -> bool:
    """``value < bound`` by more than :data:`TOLERANCE`."""
    return value < bound - TOLERANCE


def first_best(values: Sequence[float] | np.ndarray) -> int:
    """Index of the largest value; among values equal to it, the first."""
    values = np.asarray(values)
    return int(np.flatnonzero(values >= values.max() - TOLERANCE)[0])


def snapped(values: np.ndarray) -> np.ndarray:
    """``values`` with each group of equal values replaced by one value, so that exact
    comparisons (an assignment solver, a sort) see ties where the rule sees them.

    Sorted values form a group while consecutive gaps stay within :data:`TOLERANCE`; each
    member takes the group's largest value.
    """
    flat = np.asarray(values, dtype=np.float64).ravel()
    if flat.size == 0:
        return np.asarray(values, dtype=np.float64)
    order = np.argsort(flat, kind="stable")
    ordered = flat[order]
    starts = np.concatenate(([True], np.diff(ordered) > TOLERANCE))
    group = np.cumsum(starts) - 1
    group_max = np.maximum.reduceat(ordered, np.flatnonzero(starts))
    result = np.empty_like(flat)
    result[order] = group_max[group]
    return result.reshape(np.shape(values))


def rank_descending(values: Sequence[float]) -> list[int]:
    """Indices of ``values`` from largest to smallest; equal values keep their order."""
    keys = snapped(np.asarray(values, dtype=np.float64))
    return sorted(range(len(values)), key=lambda i: -keys[i])
