"""The model-adapter interface: a video (path or sampled frames) and a prompt in, text out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from favor_hf.video import Clip

VIDEO_INPUTS = ("auto", "video", "images")
"""Values of an adapter's ``video_input`` argument; ``auto`` lets the adapter choose."""


def check_video_input(video_input: str) -> None:
    """Raise ``ValueError`` unless ``video_input`` is one of :data:`VIDEO_INPUTS`."""
    if video_input not in VIDEO_INPUTS:
        raise ValueError(f"video_input {video_input!r}: expected one of {', '.join(VIDEO_INPUTS)}")


@dataclass
class ModelInput:
    """One request to a model.

    Attributes:
        prompt: the text prompt (MCQ prompt or captioning prompt).
        video_path: path of the video file, when there is one.
        frames: sampled RGB frames ``(n, h, w, 3)`` uint8, when the caller sampled them.
        item_id: the item this request answers (question key or video name), for logs.
        meta: free-form extras an adapter may use (e.g. ``options`` and ``task_type`` of an MCQ).
        clip: the sampled clip behind ``frames`` (indices, timestamps, processor metadata), when sampled.
        usage: what answering it cost, filled by the adapter where it knows: ``vision_calls`` (vision
            encoder runs), ``prefill_tokens`` (prompt tokens computed), ``cached_tokens`` (prompt tokens
            taken from a cache).
    """

    prompt: str
    video_path: str | None = None
    frames: np.ndarray | None = None
    item_id: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    clip: Clip | None = None
    usage: dict[str, int] = field(default_factory=dict)


class ModelAdapter(ABC):
    """Base class of every model backend.

    Subclasses set ``name`` (``"ADAPTER:ID"`` as given on the command line) and implement
    :meth:`generate`, which answers a batch; ``max_batch_size`` says how many inputs one
    call may take (1 where the backend cannot batch); ``video_input`` how frames reach the
    model (``"images"``, ``"video"``, or ``"none"``), recorded in every result line;
    ``share_video_prefix`` whether a video's questions reuse its encoding and prompt prefix (the
    runner then sends them back to back), also recorded; ``notes`` what the run's output should say once.
    ``options`` holds the constructor options it was built with, defaults filled in (set by
    :func:`favor_hf.models.load_adapter`); the run records them (:mod:`favor_hf.run_identity`).
    """

    name: str = "model"
    options: Mapping[str, Any] = MappingProxyType({})
    max_batch_size: int = 1
    needs_frames: bool = True
    video_input: str = "images"
    share_video_prefix: bool = False
    notes: tuple[str, ...] = ()

    @abstractmethod
    def generate(self, inputs: list[ModelInput]) -> list[str]:
        """Return one text answer per input, in order."""

    def close(self) -> None:  # noqa: B027 -- an optional hook: adapters without resources keep the no-op
        """Release resources (connections, GPU memory); the default does nothing."""
