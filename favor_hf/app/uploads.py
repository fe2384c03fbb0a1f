"""Checks an uploaded clip passes before any frame of it is decoded.

Order: the file exists and is not too large; its first bytes are those of an MP4/MOV,
Matroska/WebM or AVI file (so FFmpeg never opens playlists or other formats that can
point at further files); PyAV reads the container header and the demuxer, codec, size and
duration must be within limits. Every refusal raises :class:`UploadError` with a message
meant for the person who uploaded the clip.

Example:
    >>> limits = UploadLimits(max_bytes=50 * 2**20, max_duration_s=120)
    >>> info = validate_upload("clip.mp4", limits)
    >>> info.codec
    'h264'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from favor_hf.video import VideoError, VideoInfo, probe

CONTAINER_FAMILIES: dict[str, tuple[str, ...]] = {
    "mp4": ("mov,mp4,m4a,3gp,3g2,mj2",),
    "matroska": ("matroska,webm",),
    "avi": ("avi",),
}
"""Accepted container families and the PyAV demuxer names each may report."""

ALLOWED_CODECS: frozenset[str] = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"})
"""Accepted video codecs (PyAV ``codec_context.name``)."""

_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")


class UploadError(ValueError):
    """An uploaded clip was refused; the message says why and what to upload instead."""


@dataclass(frozen=True)
class UploadLimits:
    """Limits an upload must respect."""

    max_bytes: int = 50 * 2**20
    max_duration_s: float = 120.0
    max_side_px: int = 4096


def sniff_container(head: bytes) -> str | None:
    """Container family from a file's first 12 bytes (``mp4``, ``matroska``, ``avi``), else None."""
    if len(head) >= 8 and head[4:8] in _MP4_BOXES:
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    return None


def validate_upload(path: str | os.PathLike[str], limits: UploadLimits) -> VideoInfo:
    """Check an uploaded clip and return its :class:`~favor_hf.video.VideoInfo`.

    Raises:
        UploadError: the file is missing, too large, too long, too big in pixels, not an
            MP4/MOV, MKV/WebM or AVI file, or uses a codec outside :data:`ALLOWED_CODECS`.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise UploadError(f"{name}: the uploaded file is missing; upload it again")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise UploadError(
            f"{name}: {size / 2**20:.1f} MB is over the {limits.max_bytes / 2**20:.0f} MB upload limit; "
            "upload a shorter or smaller clip"
        )
    with path.open("rb") as handle:
        family = sniff_container(handle.read(12))
    if family is None:
        raise UploadError(f"{name}: not an MP4/MOV, MKV/WebM or AVI video file; upload one of those")
    try:
        info = probe(path)
    except VideoError as err:
        raise UploadError(f"{name}: the video header cannot be read ({err}); upload an MP4 (H.264) clip") from err
    if info.container not in CONTAINER_FAMILIES[family]:
        raise UploadError(
            f"{name}: the file starts like {family} but FFmpeg reads it as {info.container!r}; "
            "upload a plain MP4, MKV/WebM or AVI file"
        )
    if info.codec not in ALLOWED_CODECS:
        raise UploadError(
            f"{name}: video codec {info.codec!r} is not supported; use one of {', '.join(sorted(ALLOWED_CODECS))}"
        )
    if info.width <= 0 or info.height <= 0:
        raise UploadError(f"{name}: the video stream has no frame size; upload another clip")
    if max(info.width, info.height) > limits.max_side_px:
        raise UploadError(
            f"{name}: {info.width}x{info.height} is larger than {limits.max_side_px} pixels on a side; "
            "downscale the clip"
        )
    if info.duration <= 0:
        raise UploadError(f"{name}: the clip has no duration in its header; re-encode it as MP4 (H.264)")
    if info.duration > limits.max_duration_s:
        raise UploadError(
            f"{name}: {info.duration:.1f} s is longer than the {limits.max_duration_s:.0f} s limit; trim the clip"
        )
    return info
