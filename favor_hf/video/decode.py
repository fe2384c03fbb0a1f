"""Decode videos and sample frames with PyAV (FFmpeg ships inside its wheel, no system FFmpeg).

Example:
    >>> frames = sample_frames("clip.mp4", num_frames=8)
    >>> frames.shape, frames.dtype  # (frames, height, width, RGB)
    ((8, 144, 192, 3), dtype('uint8'))
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    except av.FFmpegError as err:  # the base of PyAV's errors (InvalidDataError, ...)
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
    import av

    count = 0
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for frame in container.decode(stream):
                yield (float(frame.time) if frame.time is not None else count / 25.0), frame
                count += 1
        except av.FFmpegError as err:
            raise VideoError(f"{path}: decoding failed after {count} frames ({err})") from err
    if not count:
        raise VideoError(f"{path}: no decodable frames")


def _rgb(frame: Any, max_side: int | None) -> np.ndarray:
    if max_side and max(frame.width, frame.height) > max_side:
        scale = max_side / max(frame.width, frame.height)
        frame = frame.reformat(
            width=max(2, int(frame.width * scale)) // 2 * 2,
            height=max(2, int(frame.height * scale)) // 2 * 2,
        )
    return frame.to_ndarray(format="rgb24")


@dataclass(frozen=True)
class FrameTable:
    """Every coded frame of a video, in presentation order, read from the packets (no decoding).

    ``pts[i]`` is the presentation timestamp of frame ``i``; ``keyframes`` the indices of the
    frames a decoder can start from; ``times`` the seconds since the first frame.
    """

    pts: list[int]
    keyframes: list[int]
    time_base: float
    fps: float

    @property
    def times(self) -> list[float]:
        return [(pts - self.pts[0]) * self.time_base for pts in self.pts]


def frame_table(path: str | os.PathLike[str]) -> FrameTable | None:
    """The :class:`FrameTable` of ``path``, or ``None`` when packets lack timestamps (then decode in order)."""
    import av

    with _open(path) as container:
        stream = container.streams.video[0]
        try:
            packets = [(packet.pts, packet.is_keyframe) for packet in container.demux(stream) if packet.size]
        except av.FFmpegError as err:
            raise VideoError(f"{path}: cannot read packets ({err})") from err
        time_base = float(stream.time_base or 0)
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
    if (
        not packets
        or not time_base
        or any(pts is None for pts, _ in packets)
        or len({p for p, _ in packets}) < len(packets)
    ):
        return None
    packets.sort()
    return FrameTable([pts for pts, _ in packets], [i for i, (_, key) in enumerate(packets) if key], time_base, fps)


def decode_frames(
    path: str | os.PathLike[str], indices: Sequence[int], max_side: int | None = None, table: FrameTable | None = None
) -> list[np.ndarray]:
    """RGB frames number ``indices`` (presentation order) of ``path``, decoding only what they need.

    Before each wanted frame the decoder jumps to the last keyframe at or before it when that
    keyframe lies ahead of the current position (sparse frames cost one GOP each, not the whole
    clip); otherwise it decodes on. Frames are identified by their timestamps, so the result is
    the same frames a decode of every frame would give.

    Raises:
        VideoError: an index is out of range, or a frame could not be decoded.
    """
    import av

    table = table if table is not None else frame_table(path)
    if table is None:
        return _decode_in_order(path, indices, max_side)
    wanted = sorted(set(indices))
    if wanted and (wanted[0] < 0 or wanted[-1] >= len(table.pts)):
        raise VideoError(f"{path}: frame index out of range 0..{len(table.pts) - 1}: {wanted}")
    index_of = {pts: i for i, pts in enumerate(table.pts)}
    picked: dict[int, np.ndarray] = {}
    with _open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames: Iterator[Any] | None = None
        frame: Any = None
        position = -1
        for target in wanted:
            key = table.keyframes[max(0, bisect.bisect_right(table.keyframes, target) - 1)] if table.keyframes else 0
            if frames is None or key > position + 1:
                container.seek(table.pts[key], stream=stream, backward=True, any_frame=False)
                frames = container.decode(stream)
            try:
                for frame in frames:
                    position = index_of.get(frame.pts, position)
                    if position >= target:
                        break
            except av.FFmpegError as err:
                raise VideoError(f"{path}: decoding failed near frame {target} ({err})") from err
            if frame is None or position != target or frame.pts != table.pts[target]:
                return _decode_in_order(path, indices, max_side)  # timestamps and decoder disagree
            picked[target] = _rgb(frame, max_side)
    return [picked[i] for i in indices]


def _decode_in_order(path: str | os.PathLike[str], indices: Sequence[int], max_side: int | None) -> list[np.ndarray]:
    """Fallback of :func:`decode_frames`: decode every frame, counting them in output order."""
    wanted = set(indices)
    picked: dict[int, np.ndarray] = {}
    for index, (_, frame) in enumerate(_decoded(path)):
        if index in wanted:
            picked[index] = _rgb(frame, max_side)
    missing = sorted(wanted - set(picked))
    if missing:
        raise VideoError(f"{path}: frames {missing[:5]} could not be decoded ({len(picked)} of {len(wanted)} found)")
    return [picked[i] for i in indices]


def fps_indices(times: Sequence[float], fps: float) -> list[int]:
    """Frames taken every ``1/fps`` seconds from the first: each the first frame at or after its time."""
    chosen: list[int] = []
    next_time: float | None = None
    for index, time in enumerate(times):
        if next_time is None or time + 1e-6 >= next_time:
            chosen.append(index)
            next_time = (time if next_time is None else next_time) + 1.0 / fps
    return chosen


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
    return np.stack(sample_video(path, num_frames, fps, max_side).frames)


@dataclass(frozen=True)
class SampledFrames:
    """Frames taken from a video: RGB arrays, their source indices and times, the video's rate and length."""

    frames: list[np.ndarray]
    indices: list[int]
    times: list[float]
    fps: float
    total: int


def sample_video(
    path: str | os.PathLike[str],
    num_frames: int | None = 8,
    fps: float | None = None,
    max_side: int | None = None,
) -> SampledFrames:
    """:func:`sample_frames` with the chosen frames' source indices and times (seconds from the first frame)."""
    if fps is not None and fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if fps is None and num_frames is not None and num_frames <= 0:
        raise ValueError(f"num_frames must be positive, got {num_frames}")
    table = frame_table(path)
    if table is None:  # no usable timestamps: one pass for the frame times, one for the chosen frames
        times = [time for time, _ in _decoded(path)]
        times = [time - times[0] for time in times]
        indices = _choose(times, num_frames, fps)
        frames = _decode_in_order(path, indices, max_side)
        rate = (len(times) - 1) / times[-1] if len(times) > 1 and times[-1] > 0 else probe(path).fps
    else:
        times, rate = table.times, table.fps
        indices = _choose(times, num_frames, fps)
        frames = decode_frames(path, indices, max_side, table)
    return SampledFrames(frames, indices, [times[i] for i in indices], rate, len(times))


def _choose(times: Sequence[float], num_frames: int | None, fps: float | None) -> list[int]:
    if fps is not None:
        return fps_indices(times, fps)
    if num_frames is not None:
        return sample_indices(len(times), num_frames)
    return list(range(len(times)))
