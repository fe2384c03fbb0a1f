"""How a run cuts its pending items into adapter calls, and what those calls cost.

Without prefix sharing, batches are consecutive runs of ``size`` items, whatever their video.
With it (``share_video_prefix``), a batch holds questions of one video only, and every batch of
a video after its first waits for that first one: the model (or the server's prefix cache)
has then encoded the video once, and the rest of its questions reuse it. Questions of one
video stay back to back, so a server's prefix and multimodal caches hit.

Example:
    >>> items = [{"id": i, "video": v} for i, v in enumerate("aaabb")]
    >>> [([item["id"] for item in batch], after) for batch, after in plan_batches(items, 2, by_video=True)]
    [([0, 1], None), ([2], 0), ([3, 4], None)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

USAGE_KEYS = ("vision_calls", "prefill_tokens", "cached_tokens")
"""Per-item costs an adapter may report (:attr:`favor_hf.models.base.ModelInput.usage`)."""
USAGE_NAMES = {
    "vision_calls": "vision-encoder calls",
    "prefill_tokens": "prefilled tokens",
    "cached_tokens": "cached tokens",
}


def plan_batches(
    items: Sequence[dict[str, Any]], size: int, by_video: bool
) -> list[tuple[list[dict[str, Any]], int | None]]:
    """``(batch, after)`` pairs in submission order; ``after`` is the index of the batch to wait for, or ``None``."""
    if not by_video:
        return [(list(items[i : i + size]), None) for i in range(0, len(items), size)]
    plan: list[tuple[list[dict[str, Any]], int | None]] = []
    first: dict[str, int] = {}
    for item in items:
        video = item["video"]
        if video in first and plan[-1][0][0]["video"] == video and len(plan[-1][0]) < size:
            plan[-1][0].append(item)
        else:
            plan.append(([item], first.get(video)))
            first.setdefault(video, len(plan) - 1)
    return plan


def usage_line(usage: Counter[str], answered: int) -> str | None:
    """``per question: ...`` averages of the reported costs, or ``None`` when no adapter reported any."""
    if not answered or not usage:
        return None
    parts = [f"{usage[key] / answered:.2f} {USAGE_NAMES[key]}" for key in USAGE_KEYS if key in usage]
    return "per question: " + ", ".join(parts)
