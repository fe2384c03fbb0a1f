"""Matching predicted to reference actions, subjects and camera segments; order scores.

Pure functions over a :class:`~favor_hf.caption.score.similarity.VideoSimilarity`, following the
official step 2: per predicted action the most similar reference action above an adaptive
threshold, runs of consecutive predicted actions tried as one, quality-weighted precision
and recall with a length penalty, and Kendall's tau on the matched indices for order. Every decision follows the tie rule of
:mod:`favor_hf.caption.score.ties`, so no CPU's float noise can change a match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from favor_hf.caption.score.config import CaptionScoreConfig
from favor_hf.caption.score.references import MotionList
from favor_hf.caption.score.similarity import VideoSimilarity, reference_term_boost
from favor_hf.caption.score.ties import above, at_least, below, first_best, rank_descending, snapped


@dataclass(frozen=True)
class ActionPair:
    """Predicted actions ``pred_start..pred_end-1`` (joined by spaces) matched to reference
    action ``gt``. Runs longer than one action come from the window step."""

    pred_start: int
    pred_end: int
    gt: int
    similarity: float


@dataclass
class ActionMatch:
    """Result of matching two action sequences."""

    f1: float = 0.0
    precision: float = 0.0
    recall: float = 0.0
    pairs: list[ActionPair] = field(default_factory=list)

    @property
    def mapping(self) -> dict[int, int]:
        """Predicted index -> reference index, in the order the matches were made."""
        return {pair.pred_start: pair.gt for pair in self.pairs}


def match_actions(
    predicted: Sequence[str],
    reference: Sequence[str],
    similarity: VideoSimilarity,
    config: CaptionScoreConfig,
    threshold: float,
) -> ActionMatch:
    """Match predicted to reference actions (the official ``improved_action_matching``).

    Precision and recall are the matched shares of each side times the mean match similarity
    times ``1 - (1 - shorter/longer) * length_penalty``; ``f1`` is their harmonic mean.
    """
    if not predicted or not reference:
        return ActionMatch()
    matrix = similarity.action_matrix(predicted, reference)
    if config.adaptive_threshold:
        adaptive = max(config.min_adaptive_threshold, min(0.7, np.mean(matrix) - 0.5 * np.std(matrix)))
        threshold = min(threshold, adaptive)
    pairs = _best_pairs(matrix, threshold, config)
    pairs = _merge_windows(predicted, reference, matrix, pairs, threshold, similarity, config)
    if config.clean_low_quality_matches and pairs:
        mean = float(np.mean([pair.similarity for pair in pairs]))
        pairs = [
            pair
            for pair in pairs
            if not (below(pair.similarity, config.very_low_match_threshold) and below(pair.similarity, mean - 0.2))
        ]
    if not pairs:
        return ActionMatch()
    precision, recall = match_precision_recall(
        [pair.similarity for pair in pairs], {pair.gt for pair in pairs}, len(predicted), len(reference), config
    )
    return ActionMatch(harmonic_mean(precision, recall), precision, recall, pairs)


def match_precision_recall(
    similarities: Sequence[float],
    matched_references: set[int],
    num_predicted: int,
    num_reference: int,
    config: CaptionScoreConfig,
) -> tuple[float, float]:
    """Precision and recall of matched pairs (one similarity each) by the official formula: the matched
    shares of each side times the mean similarity times ``1 - (1 - shorter/longer) * length_penalty``."""
    shorter, longer = sorted((num_predicted, num_reference))
    length_factor = 1.0 - (1.0 - shorter / longer) * config.length_penalty
    mean_similarity = float(np.mean(similarities))
    precision = len(similarities) / num_predicted * mean_similarity * length_factor
    recall = len(matched_references) / num_reference * mean_similarity * length_factor
    return precision, recall


def _within_distance(i: int, j: int, config: CaptionScoreConfig) -> bool:
    return abs(i - j) <= config.max_match_distance or not config.position_aware


def _best_pairs(matrix: np.ndarray, threshold: float, config: CaptionScoreConfig) -> list[ActionPair]:
    if config.many_to_one:
        candidates = [(i, first_best(row)) for i, row in enumerate(matrix)]
    else:
        rows, cols = linear_sum_assignment(-snapped(matrix))
        candidates = [(int(i), int(j)) for i, j in zip(rows, cols)]
    return [
        ActionPair(i, i + 1, j, matrix[i, j])
        for i, j in candidates
        if at_least(matrix[i, j], threshold) and _within_distance(i, j, config)
    ]


def _merge_windows(
    predicted: Sequence[str],
    reference: Sequence[str],
    matrix: np.ndarray,
    pairs: list[ActionPair],
    threshold: float,
    similarity: VideoSimilarity,
    config: CaptionScoreConfig,
) -> list[ActionPair]:
    """Replace matches of a run of 2..max_window_size predicted actions by one match of the
    joined run when it beats the run's mean match similarity by the official rule."""
    pairs = list(pairs)
    for size in range(2, min(config.max_window_size + 1, len(predicted) + 1)):
        for start in range(len(predicted) - size + 1):
            run = range(start, start + size)
            mapped = {pair.pred_start: pair.gt for pair in pairs}
            if all(i in mapped for i in run):
                continue
            joined = " ".join(predicted[start : start + size])
            for j, gt_action in enumerate(reference):
                if not _within_distance(start, j, config):
                    # Too far apart to match: only the memo entry the official loop leaves matters.
                    similarity.defer_action(joined, gt_action)
                    continue
                value = similarity.action(joined, gt_action)
                if not above(value, threshold + 0.1):
                    continue
                mapped = {pair.pred_start: pair.gt for pair in pairs}
                matched = [i for i in run if i in mapped]
                current = sum(matrix[i, mapped[i]] for i in matched)
                if above(value, current / max(1, len(matched))):
                    pairs = [pair for pair in pairs if pair.pred_start not in run]
                    pairs.append(ActionPair(start, start + size, j, value))
    return pairs


def harmonic_mean(precision: float, recall: float) -> float:
    """F1 of a precision and a recall (0.0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def kendall_tau(first: Sequence[int], second: Sequence[int]) -> float:
    """Kendall's tau of two index sequences, ties counted as discordant (1.0 below 2 items)."""
    n = len(first)
    if n <= 1:
        return 1.0
    a, b = np.asarray(first), np.asarray(second)
    upper = np.triu_indices(n, 1)
    concordant = int(np.sum((np.sign(a[:, None] - a[None, :]) * np.sign(b[:, None] - b[None, :]))[upper] > 0))
    total = n * (n - 1) // 2
    return (concordant - (total - concordant)) / total


def order_score(mapping: dict[int, int], num_predicted: int, num_reference: int, config: CaptionScoreConfig) -> float:
    """Order correctness of a match: ``(tau + 1) / 2`` softened by ``max_order_penalty``.

    With fewer than ``min_sequence_for_order`` matches the score depends on the sequence
    lengths only (1.0 when both are short). When several predicted actions match one
    reference action, only the earliest counts.
    """
    minimum, penalty = config.min_sequence_for_order, config.short_sequence_penalty
    if not mapping or len(mapping) < minimum:
        if num_predicted < minimum:
            return 1.0 if num_reference < minimum else 1.0 - penalty
        return 1.0 - penalty * 1.5
    earliest: dict[int, int] = {}
    for pred, gt in sorted(mapping.items()):
        earliest.setdefault(gt, pred)
    pairs = sorted((pred, gt) for gt, pred in earliest.items())
    tau = kendall_tau([pred for pred, _ in pairs], [gt for _, gt in pairs])
    score = (tau + 1) / 2
    max_penalty = config.max_order_penalty
    if len(pairs) > config.long_sequence_threshold:
        factor = config.long_sequence_threshold / len(pairs)
        max_penalty = max_penalty * factor + max_penalty * (1 - factor)
    return 1.0 - (1.0 - score) * max_penalty


@dataclass(frozen=True)
class SubjectPair:
    """A predicted subject id matched to a reference subject id, with their similarity."""

    pred: int
    gt: int
    similarity: float | None
    """None when each side has a single subject: the pair is matched whatever its similarity."""


def match_subjects(
    predicted: MotionList, reference: MotionList, similarity: VideoSimilarity, config: CaptionScoreConfig
) -> list[SubjectPair]:
    """Match subjects by description and action similarity (Hungarian assignment).

    Assigned pairs above ``subject_similarity_threshold`` are kept, best first (pairs above
    ``subject_high_confidence_threshold`` lead); when none is, the single best pair is kept,
    so one subject on each side is always matched and its similarity is not computed.
    (The official many-to-one pass that follows can never add a pair: every assigned pair
    above the threshold is already kept.)
    """
    pred_ids, gt_ids = list(predicted.descriptions), list(reference.descriptions)
    if not pred_ids or not gt_ids:
        return []
    if len(pred_ids) == 1 and len(gt_ids) == 1:
        _defer_subject_similarity(predicted, reference, pred_ids[0], gt_ids[0], similarity)
        return [SubjectPair(pred_ids[0], gt_ids[0], None)]
    matrix = np.zeros((len(pred_ids), len(gt_ids)))
    for i, pred_id in enumerate(pred_ids):
        for j, gt_id in enumerate(gt_ids):
            matrix[i, j] = _subject_similarity(predicted, reference, pred_id, gt_id, similarity, config)
    rows, cols = linear_sum_assignment(-snapped(matrix))
    scores = [matrix[i, j] for i, j in zip(rows, cols)]
    assigned = [(SubjectPair(pred_ids[i], gt_ids[j], score), score) for i, j, score in zip(rows, cols, scores)]
    assigned = [assigned[k] for k in rank_descending(scores)]
    high, low = config.subject_high_confidence_threshold, config.subject_similarity_threshold
    confident = [pair for pair, score in assigned if at_least(score, high)]
    others = [pair for pair, score in assigned if above(score, low) and below(score, high)]
    return confident + others or [pair for pair, _ in assigned[:1]]


def _defer_subject_similarity(
    predicted: MotionList, reference: MotionList, pred_id: int, gt_id: int, similarity: VideoSimilarity
) -> None:
    # The text comparisons of the official subject similarity leave memo entries that later
    # action comparisons of the same pair read; keep them without computing them now.
    similarity.defer_text(predicted.descriptions[pred_id].lower(), reference.descriptions[gt_id].lower())
    pred_actions, gt_actions = predicted.actions.get(pred_id), reference.actions.get(gt_id)
    if pred_actions and gt_actions:
        similarity.defer_text(" ".join(pred_actions), " ".join(gt_actions))


def _subject_similarity(
    predicted: MotionList,
    reference: MotionList,
    pred_id: int,
    gt_id: int,
    similarity: VideoSimilarity,
    config: CaptionScoreConfig,
) -> float:
    pred_description = predicted.descriptions[pred_id].lower()
    gt_description = reference.descriptions[gt_id].lower()
    description = similarity.text(pred_description, gt_description)
    description = min(1.0, description + reference_term_boost(pred_description, gt_description))
    pred_actions, gt_actions = predicted.actions.get(pred_id), reference.actions.get(gt_id)
    if not pred_actions or not gt_actions:
        return description
    text = similarity.text(" ".join(pred_actions), " ".join(gt_actions))
    matrix = similarity.action_matrix(pred_actions, gt_actions)
    if above(np.max(matrix), 0.0):
        coverage = (np.mean(np.max(matrix, axis=1)) + np.mean(np.max(matrix, axis=0))) / 2
        actions = 0.2 * text + 0.8 * coverage
    else:
        actions = text
    return config.subject_description_weight * description + config.subject_action_weight * actions
