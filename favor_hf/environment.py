"""The software and hardware a number was computed with, written next to it in ``--json`` outputs.

Example:
    >>> {"favor_hf", "python", "torch", "transformers", "platform", "device"} <= set(environment())
    True
"""

from __future__ import annotations

import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """The commit of the checkout favor-hf is imported from (``+dirty`` with local changes); ``None`` when installed."""
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return None
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def device_name() -> str:
    """The first GPU's name (and how many there are), else the CPU's."""
    try:
        import torch

        if torch.cuda.is_available():
            count = torch.cuda.device_count()
            return torch.cuda.get_device_name(0) + (f" x{count}" if count > 1 else "")
    except ImportError:
        pass
    return f"CPU: {platform.processor() or platform.machine()}"


@lru_cache(maxsize=1)
def environment() -> dict[str, Any]:
    """favor-hf, Python, torch and transformers versions, the platform, the device and the git commit."""
    from favor_hf import __version__

    return {
        "favor_hf": __version__,
        "python": platform.python_version(),
        "torch": _version("torch"),
        "transformers": _version("transformers"),
        "platform": platform.platform(),
        "device": device_name(),
        "git_commit": git_commit(),
    }


def environment_line(env: dict[str, Any] | None = None) -> str:
    """:func:`environment` as one line for a report."""
    env = environment() if env is None else env
    return "environment: " + ", ".join(f"{key} {value}" for key, value in env.items() if value is not None)
