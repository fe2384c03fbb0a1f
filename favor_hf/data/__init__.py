"""Typed FAVOR datasets: records, features, the ``datasets`` builder, export and push.

``load_bench`` is imported lazily so that ``import favor_hf.data.favor_json`` stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_bench"]


def __getattr__(name: str) -> Any:
    if name == "load_bench":
        from favor_hf.data.load import load_bench

        return load_bench
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
