"""Decode videos and sample frames with PyAV (FFmpeg ships inside its wheel, no system FFmpeg).

Example:
    >>> frames = sample_frames("clip.mp4", num_frames=8)  # doctest: +SKIP
    >>> frames.shape  # (8, height, width, 3), uint8 RGB  # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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


def _decode_all(path: str | os.PathLike[str], max_side: int | None) -> tuple[list[np.ndarray], list[float]]:
    frames: list[np.ndarray] = []
    times: list[float] = []
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for frame in container.decode(stream):
                if max_side and max(frame.width, frame.height) > max_side:
                    scale = max_side / max(frame.width, frame.height)
                    frame = frame.reformat(
                        width=max(2, int(frame.width * scale)) // 2 * 2,
                        height=max(2, int(frame.height * scale)) // 2 * 2,
                    )
                frames.append(frame.to_ndarray(format="rgb24"))
                times.append(float(frame.time) if frame.time is not None else len(times) / 25.0)
        except Exception as err:
            raise VideoError(f"{path}: decoding failed after {len(frames)} frames ({err})") from err
    if not frames:
        raise VideoError(f"{path}: no decodable frames")
    return frames, times


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
    frames, times = _decode_all(path, max_side)
    if fps is not None:
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        start = times[0]
        picked: list[int] = []
        next_time = start
        for i, t in enumerate(times):
            if t + 1e-6 >= next_time:
                picked.append(i)
                next_time += 1.0 / fps
        indices = picked
    elif num_frames is not None:
        if num_frames <= 0:
            raise ValueError(f"num_frames must be positive, got {num_frames}")
        indices = sample_indices(len(frames), num_frames)
    else:
        indices = list(range(len(frames)))
    return np.stack([frames[i] for i in indices])
