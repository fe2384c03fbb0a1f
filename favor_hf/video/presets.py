"""Frame-sampling presets: which frames of a clip a model sees, at what size, and a manifest of them.

A :class:`Sampling` preset turns a video file into a :class:`Clip`: the RGB frames, their
source frame indices and timestamps, the decoder, and what a video processor must be told
about them (:meth:`Clip.processor_metadata`). Adapters only receive clips.

Presets:

- ``fps``: one frame every ``1/fps`` seconds from the first frame (PyAV).
- ``frames``: ``N`` frames at the centres of ``N`` equal segments (PyAV).
- ``official``: the inputs of the official FAVOR-Bench Qwen2.5-VL runs (``inference_qa_qwen.py``:
  ``{"type": "video", "video": path, "max_pixels": 360 * 420, "fps": 1.0}`` through
  ``qwen_vl_utils.process_vision_info``). The official README installs dependencies "following
  the official Qwen2.5-VL repo", whose instructions pinned ``qwen-vl-utils[decord]==0.0.8``, so
  the rules of 0.0.8 are pinned here (later versions changed them): the frame count is
  ``total / video_fps`` rounded to an even number (0.0.10+ floor it), at least 4; ``max_pixels``
  applies as given (0.0.10+ cap it by ``total_pixels``). The frames themselves are read and
  resized by the installed qwen-vl-utils (decord, ``linspace`` indices, bicubic antialiased
  resize to multiples of 28), given that pinned count and size, so pixel values are exactly
  qwen-vl-utils'. The official script passes no ``fps`` to the processor; transformers of that
  time (4.49-4.5x) then assumed 2 fps, so ``second_per_grid_ts`` was 1.0 per 2-frame grid; the
  preset keeps that (:data:`OFFICIAL_PROCESSOR_FPS`).

A pixel budget (``min_pixels``/``max_pixels``/``total_pixels``, as in qwen-vl-utils and lmms-eval)
resizes frames of any preset to multiples of 28 within it, the way qwen-vl-utils 0.0.8 does.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from favor_hf.video.decode import VideoError, sample_video

OFFICIAL_QWEN_VL_UTILS = "0.0.8"
"""qwen-vl-utils release whose sampling rules the ``official`` preset pins."""
OFFICIAL_FPS = 1.0
OFFICIAL_MAX_PIXELS = 360 * 420
"""Message options of the official script."""
OFFICIAL_PROCESSOR_FPS = 2.0
"""Frame rate the official runs' processor assumed (no ``fps`` passed): ``second_per_grid_ts = 2 / 2.0``."""
FACTOR = 28
"""Qwen-VL frame sides are multiples of patch 14 x merge 2."""
FRAME_FACTOR = 2
VIDEO_MIN_PIXELS = 128 * 28 * 28
VIDEO_MAX_PIXELS = 768 * 28 * 28
VIDEO_TOTAL_PIXELS = 24576 * 28 * 28
"""qwen-vl-utils 0.0.8 defaults of the per-frame pixel budget."""
MIN_FRAMES, MAX_FRAMES = 4, 768


@dataclass
class Clip:
    """Sampled frames of one video and what identifies them.

    Attributes:
        frames: ``(n, h, w, 3)`` uint8 RGB.
        indices: source frame number of each frame (presentation order).
        timestamps: seconds since the first source frame, per frame.
        decoder: what decoded and resized them (library and version).
        source_fps: the video's average frame rate.
        source_frames: frames in the video.
        processor_fps: frame rate to tell a video processor, when it must not be derived from
            the indices (the ``official`` preset); ``None``: derive it.
        float_video: hand processors a float ``(n, 3, h, w)`` tensor, as qwen-vl-utils does.
    """

    frames: np.ndarray
    indices: list[int]
    timestamps: list[float]
    decoder: str
    source_fps: float
    source_frames: int
    processor_fps: float | None = None
    float_video: bool = False
    _sha: str | None = field(default=None, repr=False)

    @property
    def sha256(self) -> str:
        """Hash of the frame shape and pixels: equal hashes mean the model saw the same frames."""
        if self._sha is None:
            digest = hashlib.sha256(str(self.frames.shape).encode())
            digest.update(np.ascontiguousarray(self.frames).tobytes())
            self._sha = digest.hexdigest()
        return self._sha

    def manifest(self) -> dict[str, Any]:
        """Frame manifest recorded in each result line (indices, timestamps, size, decoder, hash)."""
        return {
            "indices": list(self.indices),
            "timestamps": [round(t, 4) for t in self.timestamps],
            "size": [int(self.frames.shape[1]), int(self.frames.shape[2])] if len(self.frames) else None,
            "decoder": self.decoder,
            "source_fps": round(self.source_fps, 4),
            "source_frames": self.source_frames,
            "sha256": self.sha256,
        }

    def processor_video(self) -> Any:
        """The video as a processor's ``videos=`` gets it: uint8 ``(n, h, w, 3)``, or qwen-vl-utils' float tensor."""
        if not self.float_video:
            return self.frames
        import torch

        return torch.from_numpy(self.frames).permute(0, 3, 1, 2).float()

    def processor_metadata(self) -> dict[str, Any]:
        """``video_metadata`` for transformers' video processors: the time of every frame."""
        if self.processor_fps is not None:  # no frame times: the processor takes this rate as the sampled one
            return {"fps": self.processor_fps, "total_num_frames": len(self.frames)}
        return {"fps": self.source_fps, "frames_indices": list(self.indices), "total_num_frames": self.source_frames}


@dataclass(frozen=True)
class Sampling:
    """A frame-sampling preset: ``fps``, ``frames`` (uniform) or ``official``, plus an optional pixel budget.

    ``max_side`` bounds the longer side of each frame (``None``: native size); it is ignored
    by ``official``, whose size rule is qwen-vl-utils'. ``min_pixels``/``max_pixels``/
    ``total_pixels`` replace ``max_side`` by qwen-vl-utils' budget (frame sides multiples of 28).
    """

    fps: float | None = None
    frames: int | None = None
    max_side: int | None = 448
    official: bool = False
    min_pixels: int | None = None
    max_pixels: int | None = None
    total_pixels: int | None = None

    def __post_init__(self) -> None:
        if self.official:
            if self.fps is not None or self.frames is not None:
                raise ValueError("the official preset fixes fps=1; give no fps or frames with it")
        elif (self.fps is None) == (self.frames is None):
            raise ValueError("give exactly one of fps (e.g. 1) or frames (e.g. 8), or the official preset")
        if self.fps is not None and self.fps <= 0 or self.frames is not None and self.frames <= 0:
            raise ValueError(f"sampling must be positive, got fps={self.fps} frames={self.frames}")
        for name in ("min_pixels", "max_pixels", "total_pixels"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        if self.max_pixels is not None and self.max_pixels < (self.min_pixels or VIDEO_MIN_PIXELS):
            raise ValueError(
                f"max pixels {self.max_pixels} (--max-pixels) is below min pixels {self.min_pixels or VIDEO_MIN_PIXELS} "
                "(--min-pixels, default 128*28*28 = 100352): lower --min-pixels too"
            )

    @property
    def budget(self) -> bool:
        return any(v is not None for v in (self.min_pixels, self.max_pixels, self.total_pixels))

    @property
    def label(self) -> str:
        """``"fps=1,max_side=448"``, ``"frames=8,max_pixels=151200"`` or ``"official"``: recorded in every result line."""
        pixels = "".join(
            f",{name}={getattr(self, name)}"
            for name in ("min_pixels", "max_pixels", "total_pixels")
            if getattr(self, name) is not None
        )
        if self.official:
            return f"official(qwen-vl-utils=={OFFICIAL_QWEN_VL_UTILS},fps=1,max_pixels={OFFICIAL_MAX_PIXELS})" + pixels
        rate = f"fps={self.fps:g}" if self.fps is not None else f"frames={self.frames}"
        if self.budget:
            return rate + pixels
        return rate + (f",max_side={self.max_side}" if self.max_side else "")

    def sample(self, path: str) -> np.ndarray:
        """Decode ``path`` and return its frames under this preset."""
        return self.clip(path).frames

    def clip(self, path: str | os.PathLike[str]) -> Clip:
        """Decode ``path`` and return its :class:`Clip` under this preset."""
        if self.official:
            return official_clip(
                path,
                min_pixels=self.min_pixels,
                max_pixels=self.max_pixels or OFFICIAL_MAX_PIXELS,
                total_pixels=self.total_pixels,
            )
        import av

        sampled = sample_video(path, self.frames, self.fps, None if self.budget else self.max_side)
        frames = np.stack(sampled.frames)
        decoder = f"pyav {av.__version__}"
        if self.budget:
            frames = resize_to_budget(frames, self.min_pixels, self.max_pixels, self.total_pixels)
            decoder += f" + qwen-vl-utils {OFFICIAL_QWEN_VL_UTILS} budget"
        return Clip(frames, sampled.indices, sampled.times, decoder, sampled.fps, sampled.total)


def official_nframes(total_frames: int, video_fps: float, fps: float = OFFICIAL_FPS) -> int:
    """Frame count of qwen-vl-utils 0.0.8 for ``fps`` sampling: even, at least 4, at most 768 and the clip.

    ``total_frames / video_fps * fps`` clamped to ``[4, min(768, total_frames) floored to even]``,
    then rounded to the nearest even number (0.0.10 and later floor it instead).
    """
    from qwen_vl_utils.vision_process import (
        ceil_by_factor,
        floor_by_factor,
        round_by_factor,
    )

    min_frames = ceil_by_factor(MIN_FRAMES, FRAME_FACTOR)
    max_frames = floor_by_factor(min(MAX_FRAMES, total_frames), FRAME_FACTOR)
    nframes = round_by_factor(min(max(total_frames / video_fps * fps, min_frames), max_frames), FRAME_FACTOR)
    if not FRAME_FACTOR <= nframes <= total_frames:
        raise VideoError(f"{total_frames} frames at {video_fps:g} fps: too short for {nframes} frames (need 2 or more)")
    return nframes


def budget_size(
    height: int,
    width: int,
    nframes: int,
    min_pixels: int | None = None,
    max_pixels: int | None = None,
    total_pixels: int | None = None,
) -> tuple[int, int]:
    """Frame size of qwen-vl-utils 0.0.8: multiples of 28 within the per-frame pixel budget.

    ``max_pixels`` applies as given; without it the budget is ``total_pixels`` shared by the
    frames (``total / nframes * 2``), capped at 768 x 28 x 28, floored at 1.05 x ``min_pixels``.
    """
    from qwen_vl_utils.vision_process import smart_resize

    min_pixels = min_pixels or VIDEO_MIN_PIXELS
    budget: float  # a float, as qwen-vl-utils computes it
    if max_pixels is None:
        total = total_pixels or VIDEO_TOTAL_PIXELS
        budget = max(min(VIDEO_MAX_PIXELS, total / nframes * FRAME_FACTOR), int(min_pixels * 1.05))
    else:
        budget = max_pixels
    return smart_resize(height, width, factor=FACTOR, min_pixels=min_pixels, max_pixels=budget)


def resize_to_budget(
    frames: np.ndarray, min_pixels: int | None, max_pixels: int | None, total_pixels: int | None
) -> np.ndarray:
    """Resize uint8 ``(n, h, w, 3)`` frames as qwen-vl-utils does (bicubic, antialiased) to :func:`budget_size`."""
    import torch
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.functional import resize

    height, width = budget_size(frames.shape[1], frames.shape[2], len(frames), min_pixels, max_pixels, total_pixels)
    video = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)
    video = resize(video, [height, width], interpolation=InterpolationMode.BICUBIC, antialias=True)
    return video.permute(0, 2, 3, 1).contiguous().numpy()


def official_clip(
    path: str | os.PathLike[str],
    min_pixels: int | None = None,
    max_pixels: int | None = OFFICIAL_MAX_PIXELS,
    total_pixels: int | None = None,
) -> Clip:
    """The frames the official Qwen2.5-VL runs fed for ``path``, read by qwen-vl-utils (decord backend).

    Raises:
        VideoError: missing or unreadable file, a clip under 2 frames, or qwen-vl-utils not
            reading with decord (set ``FORCE_QWENVL_VIDEO_READER=decord``).
    """
    import torch

    try:
        import decord
        from qwen_vl_utils import vision_process
    except ImportError as err:
        raise VideoError(
            f"the official preset needs qwen-vl-utils and decord: pip install 'favor-hf[video]' ({err})"
        ) from err
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path}: video file not found")
    backend = vision_process.get_video_reader_backend()
    if backend != "decord":
        raise VideoError(
            f"qwen-vl-utils reads videos with {backend}, the official runs used decord: set FORCE_QWENVL_VIDEO_READER=decord"
        )
    try:
        reader = decord.VideoReader(str(path))
        total, video_fps = len(reader), float(reader.get_avg_fps())
        height, width = reader[0].shape[:2]
        del reader
    except (RuntimeError, decord.DECORDError, AssertionError, IndexError, StopIteration) as err:
        # what decord's VideoReader raises for an unreadable clip: RuntimeError (cannot open),
        # DECORDError (its C++ errors), AssertionError (no frames), IndexError or StopIteration (no frame 0)
        raise VideoError(f"{path}: decord cannot read it ({err})") from err
    nframes = official_nframes(total, video_fps)
    resized_height, resized_width = budget_size(height, width, nframes, min_pixels, max_pixels, total_pixels)
    element = {
        "type": "video",
        "video": str(path),
        "nframes": nframes,
        "resized_height": resized_height,
        "resized_width": resized_width,
    }
    video, metadata = vision_process.fetch_video(element, return_video_metadata=True)
    if metadata.get("video_backend") != "decord":
        raise VideoError(f"{path}: qwen-vl-utils fell back to {metadata.get('video_backend')} (decord failed on it)")
    indices = [int(i) for i in metadata["frames_indices"]]
    frames = video.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()
    return Clip(
        frames,
        indices,
        [i / video_fps for i in indices],
        f"decord {decord.__version__} via qwen-vl-utils {version('qwen-vl-utils')}",
        video_fps,
        total,
        processor_fps=OFFICIAL_PROCESSOR_FPS,
        float_video=True,
    )
