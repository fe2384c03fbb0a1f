"""Parameters of the LLM-free comparison (step 2), defaulting to the official ``main()``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_WEIGHTS: dict[str, float] = {
    "camera_motion": 0.05,
    "subject_precision": 0.2,
    "subject_recall": 0.2,
    "subject_order": 0.05,
    "chrono_precision": 0.2,
    "chrono_recall": 0.2,
    "chrono_order": 0.1,
}
"""Weights of ``final_score`` in the official ``main()`` configuration."""


@dataclass(frozen=True)
class CaptionScoreConfig:
    """Every parameter that changes a score, with the official defaults.

    Example:
        >>> CaptionScoreConfig().action_similarity_threshold
        0.3
        >>> CaptionScoreConfig.from_overrides({"length_penalty": 0.1}).length_penalty
        0.1
    """

    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    """Weights of the seven components of ``final_score`` (keys of :data:`DEFAULT_WEIGHTS`)."""

    # text and action similarity
    verb_similarity_boost: float = 0.3
    """Added when the core verbs are equal (80% of it when they are synonyms)."""
    key_term_boost: float = 0.3
    """Added when two texts hit one of the official key-term mappings."""
    entity_match_boost: float = 0.15
    """Added for the official computer-interaction phrase pairs."""
    verb_synonym_match: bool = True
    position_weight: float = 0.3
    """Share of the relative-position factor in a position-aware action similarity."""

    # action matching
    action_similarity_threshold: float = 0.3
    camera_threshold_factor: float = 0.8
    """Camera segments match from ``action_similarity_threshold`` times this factor."""
    adaptive_threshold: bool = True
    min_adaptive_threshold: float = 0.25
    many_to_one: bool = True
    """Each predicted action takes its best reference action; False: Hungarian one-to-one."""
    position_aware: bool = True
    max_match_distance: int = 15
    max_window_size: int = 3
    """Longest run of consecutive predicted actions tried against one reference action."""
    clean_low_quality_matches: bool = True
    very_low_match_threshold: float = 0.15
    length_penalty: float = 0.2

    # subject matching
    subject_similarity_threshold: float = 0.15
    subject_high_confidence_threshold: float = 0.5
    subject_description_weight: float = 0.1
    subject_action_weight: float = 0.95

    # order
    min_sequence_for_order: int = 3
    short_sequence_penalty: float = 0.2
    max_order_penalty: float = 0.5
    long_sequence_threshold: int = 5

    def final_score(self, parts: Sequence[float]) -> float:
        """``final_score`` of the seven parts in the order of :data:`DEFAULT_WEIGHTS`' keys (camera, subject
        precision, recall, order, chronology precision, recall, order), summed left to right as upstream."""
        weights = self.weights
        return (
            weights["camera_motion"] * parts[0]
            + weights["subject_precision"] * parts[1]
            + weights["subject_recall"] * parts[2]
            + weights["subject_order"] * parts[3]
            + weights["chrono_precision"] * parts[4]
            + weights["chrono_recall"] * parts[5]
            + weights["chrono_order"] * parts[6]
        )

    def __post_init__(self) -> None:
        missing = set(DEFAULT_WEIGHTS) - set(self.weights)
        unknown = set(self.weights) - set(DEFAULT_WEIGHTS)
        if missing or unknown:
            raise ValueError(
                f"CaptionScoreConfig.weights needs exactly the keys {sorted(DEFAULT_WEIGHTS)}; "
                f"missing {sorted(missing)}, unknown {sorted(unknown)}"
            )

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any] | None = None) -> CaptionScoreConfig:
        """Defaults with ``overrides`` applied; ``weights`` may be partial."""
        overrides = dict(overrides or {})
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ValueError(f"unknown caption score parameters {unknown}; known: {sorted(names)}")
        if "weights" in overrides:
            overrides["weights"] = {**DEFAULT_WEIGHTS, **overrides["weights"]}
        return cls(**overrides)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable copy of every parameter."""
        values = dataclasses.asdict(self)
        values["weights"] = dict(self.weights)
        return values


def resolve_config(config: CaptionScoreConfig | Mapping[str, Any] | None) -> CaptionScoreConfig:
    """Accept a config, a dict of overrides, or None (the official defaults)."""
    if isinstance(config, CaptionScoreConfig):
        return config
    return CaptionScoreConfig.from_overrides(config)
