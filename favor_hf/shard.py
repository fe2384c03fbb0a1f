"""Deterministic shards of the benchmark items, stable across machines, Python versions and reruns.

An item belongs to shard ``I`` of ``N`` when ``sha1(item_id) mod N == I``; ``hash()`` would
change with ``PYTHONHASHSEED``, so it is not used.

Example:
    >>> parse_shard("1/4")
    (1, 4)
    >>> shard_of("00X3U_1", 4)
    3
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any


def parse_shard(spec: str) -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)`` with ``0 <= I < N``; a ``ValueError`` says what is wrong."""
    try:
        index_text, count_text = spec.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise ValueError(f"shard {spec!r}: expected I/N with integers, e.g. 0/4") from None
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"shard {spec!r}: need N >= 1 and 0 <= I < N (shards are numbered from 0)")
    return index, count


def shard_of(item_id: str, count: int) -> int:
    """The shard (0..count-1) that ``item_id`` falls in."""
    digest = hashlib.sha1(item_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def select_shard(items: Sequence[dict[str, Any]], spec: str | None) -> list[dict[str, Any]]:
    """The items of shard ``spec`` (``"I/N"``), in their original order; all items when ``spec`` is ``None``."""
    if spec is None:
        return list(items)
    index, count = parse_shard(spec)
    return [item for item in items if shard_of(item["id"], count) == index]
