"""How far to trust a LLM-free caption score: its ceiling, its floors, and direction conflicts.

The LLM-free score compares meanings with Sentence-BERT, which places "moves up" close to
"moves down", and a short generic caption can outscore a correct but terse one. So a run's
score is reported beside three scores on the **same videos** (our convention, not the paper's):

- **ceiling**: the video's own reference caption (the ``caption`` annotation field), the
  score a perfect description in the annotators' words gets (about 0.8, not 1);
- **floor (generic)**: the constant :data:`~favor_hf.prompts.GENERIC_CAPTION` of the ``random`` baseline;
- **floor (empty)**: the empty caption;
- **normalised** = (score - generic floor) / (ceiling - generic floor): 0 is the constant
  caption, 1 the reference caption; it can leave [0, 1].

:func:`direction_conflicts` lists the matched pairs (camera segments, subject actions,
chronological actions) whose two sides name opposite directions (left/right, up/down,
forward/backward, ... : the axes of :mod:`favor_hf.caption.analysis.motion`): pairs the
score counted as agreeing although they contradict each other. The motion-aware companion
score of that module drops such pairs (and negated ones) from the match.

Example:
    >>> direction_conflicts({"camera": {"matched": [
    ...     {"predicted": "Tilts up", "reference": "Tilts downward", "similarity": 0.8}]}})[0]["axis"]
    'up/down'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from favor_hf.caption.analysis.motion import matched_pairs, opposite_axis
from favor_hf.caption.score.captions import score_captions
from favor_hf.prompts import GENERIC_CAPTION

__all__ = ["direction_conflicts", "normalised_score", "opposite_axis", "validity_summary"]


def direction_conflicts(alignment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Matched pairs of one video's alignment (from ``score_captions(..., return_details=True)``) that contradict.

    Each is ``{"part", "predicted", "reference", "similarity", "axis"}``.
    """
    conflicts = []
    for part, pair in matched_pairs(alignment):
        axis = opposite_axis(pair["predicted"], pair["reference"])
        if axis:
            conflicts.append(
                {
                    "part": part,
                    "predicted": pair["predicted"],
                    "reference": pair["reference"],
                    "similarity": pair.get("similarity"),
                    "axis": axis,
                }
            )
    return conflicts


def _mean(values: Sequence[float | None]) -> float | None:
    """The mean, or None for no values or when one is None."""
    known = [v for v in values if v is not None]
    return float(sum(known) / len(known)) if known and len(known) == len(values) else None


def normalised_score(score: float, floor: float, ceiling: float) -> float | None:
    """(score - floor) / (ceiling - floor); None when the ceiling does not exceed the floor."""
    if ceiling - floor <= 1e-12:
        return None
    return (score - floor) / (ceiling - floor)


def validity_summary(
    details: Sequence[Mapping[str, Any]],
    references: Sequence[Mapping[str, Any]],
    *,
    model_name: str | None = None,
    show_progress: bool = False,
    **score_options: Any,
) -> dict[str, Any]:
    """The ceiling, floors, normalised score and direction conflicts of one run's per-video details.

    Args:
        details: the run's ``score_captions(..., return_details=True)["details"]``.
        references: the annotations of the same videos, in the same order, with ``caption``.
        model_name, score_options: the caption-score settings the run was scored with
            (:func:`favor_hf.caption.score_captions` arguments).

    Returns:
        ``score``, ``ceiling``, ``floor_generic``, ``floor_empty`` and ``normalised`` (means over
        the videos; ``ceiling`` and ``normalised`` are None when a reference has no ``caption``),
        ``direction_conflicts`` (pairs in all),
        ``videos_with_conflicts``, and ``per_video``: the reference, generic and empty scores
        and the conflicts of each video.
    """
    videos = len(details)
    captions = [c for c in (ref.get("caption") for ref in references) if isinstance(c, str) and c.strip()]
    have_ceiling = len(captions) == len(references)
    predictions: list[str] = [GENERIC_CAPTION] * videos + [""] * videos
    refs = list(references) * 2
    if have_ceiling:
        predictions += captions
        refs += list(references)
    if model_name:
        score_options["model_name"] = model_name
    scored = score_captions(predictions, refs, return_details=True, show_progress=show_progress, **score_options)[
        "details"
    ]
    finals = [video["final_score"] for video in scored]
    generic, empty = finals[:videos], finals[videos : 2 * videos]
    ceiling = finals[2 * videos :] if have_ceiling else [None] * videos
    per_video = []
    for index, video in enumerate(details):
        conflicts = direction_conflicts(video.get("alignment") or {})
        per_video.append(
            {
                "final_score": video["final_score"],
                "ceiling": ceiling[index],
                "floor_generic": generic[index],
                "floor_empty": empty[index],
                "direction_conflicts": conflicts,
            }
        )
    score, floor, top = _mean([v["final_score"] for v in details]), _mean(generic), _mean(ceiling)
    return {
        "score": score,
        "ceiling": top,
        "floor_generic": floor,
        "floor_empty": _mean(empty),
        "normalised": None if top is None or score is None or floor is None else normalised_score(score, floor, top),
        "direction_conflicts": sum(len(v["direction_conflicts"]) for v in per_video),
        "videos_with_conflicts": sum(bool(v["direction_conflicts"]) for v in per_video),
        "generic_caption": GENERIC_CAPTION,
        "per_video": per_video,
    }
