"""Decode videos and sample frames with PyAV (FFmpeg ships inside its wheel, no system FFmpeg).

Example:
    >>> frames = sample_frames("clip.mp4", num_frames=8)  # doctest: +SKIP
    >>> frames.shape  # (8, height, width, 3), uint8 RGB  # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np


class VideoError(ValueError):
    """A video file is missing, unreadable or has no decodable video stream."""


@dataclass(frozen=True)
class VideoInfo:
    """Container-level facts about a video, read without decoding frames."""

    path: str
    container: str
    codec: str
    width: int
    height: int
    fps: float
    duration: float
    num_frames: int


def _open(path: str | os.PathLike[str]):
    import av

    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path}: video file not found")
    try:
        container = av.open(str(path))
    except Exception as err:  # PyAV raises many FFmpeg error subclasses
        raise VideoError(f"{path}: cannot open video ({err})") from err
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path}: no video stream")
    return container


def probe(path: str | os.PathLike[str]) -> VideoInfo:
    """Read container, codec, size, frame rate, duration and frame count of ``path``."""
    with _open(path) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        else:
            duration = 0.0
        frames = stream.frames or int(round(duration * fps))
        return VideoInfo(
            path=str(path),
            container=container.format.name,
            codec=stream.codec_context.name,
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=fps,
            duration=duration,
            num_frames=int(frames),
        )


def _decoded(path: str | os.PathLike[str]) -> Iterator[tuple[float, Any]]:
    """Yield ``(time in seconds, av.VideoFrame)`` for every frame of ``path``, in order."""
    count = 0
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for frame in container.decode(stream):
                yield (float(frame.time) if frame.time is not None else count / 25.0), frame
                count += 1
        except Exception as err:
            raise VideoError(f"{path}: decoding failed after {count} frames ({err})") from err
    if not count:
        raise VideoError(f"{path}: no decodable frames")


def _count_frames(path: str | os.PathLike[str]) -> int:
    """Number of coded video frames, from the packets alone (no decoding)."""
    with _open(path) as container:
        stream = container.streams.video[0]
        try:
            return sum(1 for packet in container.demux(stream) if packet.size)
        except Exception as err:
            raise VideoError(f"{path}: cannot read packets ({err})") from err


def _rgb(frame: Any, max_side: int | None) -> np.ndarray:
    if max_side and max(frame.width, frame.height) > max_side:
        scale = max_side / max(frame.width, frame.height)
        frame = frame.reformat(
            width=max(2, int(frame.width * scale)) // 2 * 2,
            height=max(2, int(frame.height * scale)) // 2 * 2,
        )
    return frame.to_ndarray(format="rgb24")


def _uniform(path: str | os.PathLike[str], num_frames: int, max_side: int | None) -> list[np.ndarray]:
    """``num_frames`` uniform samples, converting only the chosen frames to RGB."""
    total = _count_frames(path)
    while True:
        wanted = set(sample_indices(total, num_frames))
        picked, decoded = [], 0
        for index, (_, frame) in enumerate(_decoded(path)):
            decoded = index + 1
            if index in wanted:
                picked.append(_rgb(frame, max_side))
        if decoded == total:
            return picked
        total = decoded  # the packet count disagreed with the decoder: sample again over what decodes


def sample_indices(total: int, num_frames: int) -> list[int]:
    """Uniformly spaced frame indices: the centre of each of ``num_frames`` equal segments."""
    if total <= 0:
        return []
    if num_frames >= total:
        return list(range(total))
    return [min(total - 1, int((i + 0.5) * total / num_frames)) for i in range(num_frames)]


def sample_frames(
    path: str | os.PathLike[str],
    num_frames: int | None = 8,
    fps: float | None = None,
    max_side: int | None = None,
) -> np.ndarray:
    """Decode ``path`` and return sampled RGB frames as a ``(n, h, w, 3)`` uint8 array.

    Args:
        path: the video file.
        num_frames: take this many frames, uniformly spaced (ignored when ``fps`` is set).
        fps: take one frame every ``1/fps`` seconds instead (``fps=1`` as in the official runs).
        max_side: downscale so the longer side is at most this many pixels.

    Raises:
        VideoError: the file is missing, unreadable or has no frames.
    """
    if fps is not None:
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        frames: list[np.ndarray] = []
        next_time: float | None = None
        for time, frame in _decoded(path):
            if next_time is None or time + 1e-6 >= next_time:
                frames.append(_rgb(frame, max_side))
                next_time = (time if next_time is None else next_time) + 1.0 / fps
    elif num_frames is not None:
        if num_frames <= 0:
            raise ValueError(f"num_frames must be positive, got {num_frames}")
        frames = _uniform(path, num_frames, max_side)
    else:
        frames = [_rgb(frame, max_side) for _, frame in _decoded(path)]
    return np.stack(frames)
