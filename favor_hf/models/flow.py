"""The ``flow`` baseline: classical dense optical flow (OpenCV Farneback) -> global camera motion.

Between consecutive sampled frames it fits a global motion model to the flow field,
``flow(p) = t + d * (p - centre)``: ``t`` is the image translation (robust median) and ``d``
the divergence (relative scale change, positive when the content grows). Pixels that move
unlike the background (the subjects) are dropped before the fit; the flow starts from the
phase-correlation shift, so large pans between sparse frames are followed. Over the clip:

- a consistent zoom (sum of ``d``) means ``zoom_in`` / ``zoom_out``;
- a consistent translation means a pan or tilt, *opposite* to the content's motion (content
  moving right = the camera pans left; content moving down = the camera tilts up);
- large per-step translations that cancel out mean ``shake``; otherwise ``static``.

It answers camera-motion questions by matching its estimate to the options' wording, other
questions with the first option (it sees no subjects), and captions with one camera sentence.

Example:
    >>> from favor_hf.video import sample_frames
    >>> adapter = FlowAdapter()
    >>> adapter.estimate_camera_motion(sample_frames("clip.mp4", num_frames=8))  # a synthetic clip whose camera tilts up
    'tilt_up'
"""

from __future__ import annotations

import itertools
import re

import numpy as np

from favor_hf.models.base import ModelAdapter, ModelInput
from favor_hf.motion_labels import CAMERA_CAPTIONS
from favor_hf.video import sample_frames

_KEYWORDS: dict[str, tuple[tuple[str, ...], ...]] = {
    # each label: groups of alternatives; an option scores one point per group it matches
    "pan_left": (("pan", "leftward"), ("left",)),
    "pan_right": (("pan", "rightward"), ("right",)),
    "tilt_up": (("tilt", "upward", "up"), ("up",)),
    "tilt_down": (("tilt", "downward", "down"), ("down",)),
    "zoom_in": (("zoom", "dolly", "push", "forward"), (" in", "closer", "forward")),
    "zoom_out": (("zoom", "dolly", "pull", "backward"), ("out", "away", "backward")),
    "shake": (("shak", "jitter", "handheld", "unstable", "wobbl"),),
    "static": (("static", "stationary", "still", "fixed", "steady", "no camera movement"),),
}


def match_option(label: str, options: list[str]) -> int:
    """Index of the option whose wording best matches camera-motion ``label`` (ties: first).

    Prefers options naming ``label`` (every keyword group matched) and no other motion, so
    for ``pan_right`` ``"Pans to the right"`` wins over ``"Camera shakes, pans to the right"``.
    """

    def hits(text: str, name: str) -> int:
        return sum(any(word in text for word in group) for group in _KEYWORDS[name])

    def score(option: str) -> tuple[bool, int, int]:
        text = " " + re.sub(r"[^a-z ]+", " ", option.lower()) + " "
        named = [name for name in _KEYWORDS if hits(text, name) == len(_KEYWORDS[name])]
        return label in named, -len([name for name in named if name != label]), hits(text, label)

    scores = [score(option) for option in options]
    return max(range(len(options)), key=lambda i: scores[i])


class FlowAdapter(ModelAdapter):
    """Weight-free camera-motion baseline over OpenCV Farneback optical flow.

    Args:
        num_frames: frames it samples uniformly from ``video_path`` when no ``frames`` are given.
        max_side: frames are downscaled so their longer side is at most this many pixels.
        translation_threshold: net content shift, as a fraction of the frame size, above which
            a pan or tilt is reported.
        zoom_threshold: net relative scale change above which a zoom is reported.
        shake_threshold: mean per-step shift (fraction of the frame size) above which an
            otherwise static camera is reported as shaking.
    """

    name = "flow"
    max_batch_size = 8

    def __init__(
        self,
        num_frames: int = 8,
        max_side: int = 256,
        translation_threshold: float = 0.08,
        zoom_threshold: float = 0.12,
        shake_threshold: float = 0.008,
    ) -> None:
        import cv2  # noqa: F401  (fail early with a clear ImportError when OpenCV is missing)

        self.num_frames = num_frames
        self.max_side = max_side
        self.translation_threshold = translation_threshold
        self.zoom_threshold = zoom_threshold
        self.shake_threshold = shake_threshold

    def _gray(self, frames: np.ndarray) -> list[np.ndarray]:
        import cv2

        scale = min(1.0, self.max_side / max(frames.shape[1:3]))
        out = []
        for frame in frames:
            gray = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
            if scale < 1.0:
                gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            out.append(gray)
        return out

    @staticmethod
    def _initial_flow(prev: np.ndarray, curr: np.ndarray, window: np.ndarray) -> np.ndarray:
        """Uniform flow at the phase-correlation shift (large pans), zero when the peak is weak."""
        import cv2

        def highpass(image: np.ndarray) -> np.ndarray:
            image = image.astype(np.float32)
            return image - cv2.GaussianBlur(image, (0, 0), 3)

        (dx, dy), response = cv2.phaseCorrelate(highpass(prev), highpass(curr), window)
        flow = np.zeros(prev.shape + (2,), dtype=np.float32)
        if response > 0.3:
            flow[...] = (dx, dy)
        return flow

    @staticmethod
    def _fit(flow: np.ndarray) -> tuple[np.ndarray, float]:
        """Robust translation ``(tx, ty)`` and divergence ``d`` of one flow field ``(h, w, 2)``."""
        h, w = flow.shape[:2]
        ys, xs = np.mgrid[0:h, 0:w]
        rel = np.stack([xs - (w - 1) / 2, ys - (h - 1) / 2], axis=-1).reshape(-1, 2)
        vec = flow.reshape(-1, 2).astype(np.float64)
        keep = np.ones(len(vec), dtype=bool)
        for _ in range(2):  # fit, drop the worst-fitting 25 % (moving subjects), refit
            t = np.median(vec[keep], axis=0)
            centred = vec[keep] - t
            d = float((centred * rel[keep]).sum() / ((rel[keep] ** 2).sum() + 1e-9))
            residual = np.linalg.norm(vec - t - d * rel, axis=1)
            keep = residual <= np.quantile(residual, 0.75)
        return t, d

    def estimate_camera_motion(self, frames: np.ndarray) -> str:
        """Camera-motion label (a key of :data:`favor_hf.motion_labels.CAMERA_MOTIONS`) of ``(n, h, w, 3)`` frames."""
        import cv2

        if frames.ndim != 4 or len(frames) < 2:
            return "static"
        gray = self._gray(frames)
        size = np.array(gray[0].shape[::-1], dtype=np.float64)  # (w, h)
        shifts, zooms = [], []
        window = cv2.createHanningWindow(gray[0].shape[::-1], cv2.CV_32F)
        for prev, curr in itertools.pairwise(gray):
            flow = cv2.calcOpticalFlowFarneback(
                prev, curr, self._initial_flow(prev, curr, window), 0.5, 5, 15, 5, 7, 1.5, cv2.OPTFLOW_USE_INITIAL_FLOW
            )
            t, d = self._fit(flow)
            shifts.append(t / size)
            zooms.append(d)
        shifts_arr = np.array(shifts)
        net = shifts_arr.sum(axis=0)
        zoom = float(np.sum(zooms))
        consistent = np.abs(net) >= 0.6 * np.abs(shifts_arr).sum(axis=0)  # most steps agree in sign
        if abs(zoom) > self.zoom_threshold and abs(zoom) > 1.5 * np.abs(net).max():
            return "zoom_in" if zoom > 0 else "zoom_out"
        axis = int(np.argmax(np.abs(net)))
        if abs(net[axis]) > self.translation_threshold and consistent[axis]:
            if axis == 0:
                return "pan_left" if net[0] > 0 else "pan_right"
            return "tilt_up" if net[1] > 0 else "tilt_down"
        if np.linalg.norm(shifts_arr, axis=1).mean() > self.shake_threshold:
            return "shake"
        return "static"

    def _frames(self, item: ModelInput) -> np.ndarray:
        """The caller's sampled ``frames`` (recorded as the run's sampling), else ``num_frames`` of ``video_path``."""
        if item.frames is not None:
            return item.frames
        if item.video_path:
            return sample_frames(item.video_path, num_frames=self.num_frames)
        raise ValueError(f"item {item.item_id!r}: the flow adapter needs a video_path or frames")

    def answer(self, item: ModelInput) -> str:
        """The option (MCQ) or camera-motion caption for one input."""
        options = list(item.meta.get("options") or [])
        task = item.meta.get("task_type")
        if options and task not in (None, "CM"):
            return options[0]
        label = self.estimate_camera_motion(self._frames(item))
        if options:
            return options[match_option(label, options)]
        return CAMERA_CAPTIONS[label]

    def generate(self, inputs: list[ModelInput]) -> list[str]:
        return [self.answer(item) for item in inputs]


__all__ = ["FlowAdapter", "match_option"]
