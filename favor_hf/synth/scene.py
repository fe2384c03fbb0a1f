"""One synthetic clip: a scene with exact motion ground truth, sampled and rendered.

Each clip is a crop window (the camera) moving over a textured background larger than the
frame, with one to three coloured shapes (the subjects) moving in the world. The camera
pans, tilts, zooms, shakes or stays still (:data:`~favor_hf.motion_labels.CAMERA_MOTIONS`);
each subject performs one to three actions (:data:`~favor_hf.motion_labels.SUBJECT_ACTIONS`).
:func:`make_scene` samples a :class:`Scene`, :func:`render` draws its frames and
:func:`write_mp4` encodes them.

Sign conventions: the camera *pans left* when its window moves left over the background,
so the scene content moves right in the frame; it *tilts up* when the window moves up
(content moves down); it *zooms in* when the window shrinks (content grows).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field

import numpy as np

from favor_hf.motion_labels import CAMERA_MOTIONS, SUBJECT_ACTIONS

_DIRECTIONS: dict[str, tuple[float, float]] = {
    "right": (1, 0),
    "left": (-1, 0),
    "up": (0, -1),
    "down": (0, 1),
    "stop": (0, 0),
}
SUBJECT_COLORS: dict[str, tuple[int, int, int]] = {
    "Red": (225, 35, 35),
    "Blue": (35, 75, 235),
    "Green": (30, 185, 60),
    "Yellow": (245, 215, 30),
    "Purple": (155, 50, 210),
    "Orange": (250, 135, 20),
}
"""Subject colour names and their RGB values."""

SHAPE_WORDS: dict[str, str] = {"circle": "round shape", "square": "square shape", "diamond": "diamond shape"}
"""Subject shapes and how their attribute is written."""


@dataclass(frozen=True)
class Action:
    """One subject action: a label of :data:`SUBJECT_ACTIONS` over clip time ``[start, end)`` (0..1)."""

    label: str
    start: float
    end: float

    @property
    def phrase(self) -> str:
        return SUBJECT_ACTIONS[self.label]


@dataclass
class Subject:
    """A coloured shape that moves in world coordinates."""

    color: str
    shape: str
    radius: float
    origin: tuple[float, float]
    speed: float
    actions: list[Action] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.color} {self.shape}"

    def position(self, t: np.ndarray) -> np.ndarray:
        """World position ``(len(t), 2)`` at clip times ``t`` (0..1)."""
        pos = np.tile(np.asarray(self.origin, dtype=np.float64), (len(t), 1))
        for action in self.actions:
            dx, dy = _DIRECTIONS[action.label]
            elapsed = np.clip(t - action.start, 0.0, action.end - action.start)
            pos += np.outer(elapsed * self.speed, (dx, dy))
        return pos


@dataclass
class Scene:
    """Everything needed to render one clip and write its ground truth."""

    name: str
    camera: str
    subjects: list[Subject]
    width: int
    height: int
    fps: int
    num_frames: int
    camera_path: np.ndarray  # (num_frames, 3): window centre x, y and scale (world px per frame px)
    background: np.ndarray  # (H, W, 3) float32


def _bilinear(image: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Bilinear samples of ``image`` ``(h, w, c)`` on the separable grid ``ys`` x ``xs`` (pixel coordinates)."""
    h, w = image.shape[:2]
    xs = xs.clip(0, w - 1.001)
    ys = ys.clip(0, h - 1.001)
    x0, y0 = xs.astype(int), ys.astype(int)
    wx, wy = (xs - x0)[None, :, None], (ys - y0)[:, None, None]
    rows = image[y0] * (1 - wy) + image[y0 + 1] * wy
    return rows[:, x0] * (1 - wx) + rows[:, x0 + 1] * wx


def _background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Muted multi-octave value noise: rich texture for optical flow, low saturation for contrast."""
    texture = np.zeros((height, width, 3), dtype=np.float64)
    for cell, weight in ((40, 1.0), (16, 0.9), (7, 0.8), (3, 0.6)):
        grid = rng.random((height // cell + 2, width // cell + 2, 3))
        texture += weight * _bilinear(
            grid, np.linspace(0, grid.shape[1] - 1, width), np.linspace(0, grid.shape[0] - 1, height)
        )
    texture = (texture - texture.min()) / (np.ptp(texture) + 1e-9)
    gray = texture.mean(axis=2, keepdims=True)
    tint = rng.uniform(0.85, 1.15, size=3)
    muted = (0.35 * texture + 0.65 * gray) * tint
    contrast = (muted - muted.mean()) * 1.6 + 0.5
    return (30 + 180 * contrast.clip(0, 1)).astype(np.float32)


def _camera_path(camera: str, rng: np.random.Generator, t: np.ndarray, width: int, height: int) -> np.ndarray:
    """Window centre offset (x, y) from the background centre and scale at each time ``t``."""
    path = np.zeros((len(t), 3))
    path[:, 2] = 1.0
    ramp = t - 0.5
    if camera in ("pan_left", "pan_right"):
        path[:, 0] = (1 if camera == "pan_right" else -1) * rng.uniform(0.28, 0.38) * width * ramp
    elif camera in ("tilt_up", "tilt_down"):
        path[:, 1] = (1 if camera == "tilt_down" else -1) * rng.uniform(0.3, 0.4) * height * ramp
    elif camera in ("zoom_in", "zoom_out"):
        ratio = rng.uniform(1.4, 1.6)
        grow = ratio ** (t if camera == "zoom_out" else 1 - t)  # scale shrinks when zooming in
        path[:, 2] = grow / np.sqrt(ratio)
    elif camera == "shake":
        amplitude = rng.uniform(3.0, 5.0) * width / 192
        path[:, :2] = rng.uniform(-amplitude, amplitude, size=(len(t), 2))
    return path


def _actions(rng: np.random.Generator, count: int, start: float) -> list[Action]:
    """``count`` actions after ``start``: consecutive labels differ and the first one moves."""
    cuts = np.sort(rng.uniform(0.25, 0.75, size=count - 1)) if count > 1 else np.array([])
    bounds = np.concatenate([[0.0], cuts, [1.0]])
    bounds = start + (1.0 - start) * bounds
    labels: list[str] = []
    for _ in range(count):
        choices = [a for a in SUBJECT_ACTIONS if (labels and a != labels[-1]) or (not labels and a != "stop")]
        labels.append(str(rng.choice(choices)))
    return [Action(label, float(bounds[i]), float(bounds[i + 1])) for i, label in enumerate(labels)]


def _starts_apart(subjects: list[Subject], gap: float) -> bool:
    starts = sorted(a.start for s in subjects for a in s.actions)
    return all(b - a >= gap for a, b in itertools.pairwise(starts))


def _screen(points: np.ndarray, path: np.ndarray, width: int, height: int) -> np.ndarray:
    """World points ``(n, 2)`` seen through camera poses ``path`` ``(n, 3)`` -> frame coordinates."""
    return (points - path[:, :2]) / path[:, 2:3] + np.array([width / 2, height / 2])


def _place(
    subject: Subject, rng: np.random.Generator, path: np.ndarray, t: np.ndarray, width: int, height: int
) -> None:
    """Pick an origin (relative to the background centre) keeping the subject in frame throughout.

    Slows the subject down when no origin fits; keeps the least-clipped origin if none ever does.
    """
    best, best_overflow = subject.origin, np.inf
    for attempt in range(80):
        if attempt and attempt % 20 == 0:
            subject.speed *= 0.8
        subject.origin = (rng.uniform(-0.45, 0.45) * width, rng.uniform(-0.45, 0.45) * height)
        screen = _screen(subject.position(t), path, width, height)
        margin = subject.radius / path[:, 2].min() + 2
        overflow = (
            np.maximum(margin - screen, 0).sum() + np.maximum(screen - [width - margin, height - margin], 0).sum()
        )
        if overflow == 0:
            return
        if overflow < best_overflow:
            best, best_overflow = subject.origin, overflow
    subject.origin = best


def make_scene(
    name: str,
    rng: np.random.Generator,
    camera: str,
    width: int = 192,
    height: int = 144,
    fps: int = 12,
    seconds: float = 3.0,
) -> Scene:
    """Sample one scene with ``camera`` motion: background and 1-3 subjects with their actions."""
    if camera not in CAMERA_MOTIONS:
        raise ValueError(f"unknown camera motion {camera!r}; expected one of {', '.join(CAMERA_MOTIONS)}")
    num_frames = round(fps * seconds)
    t = np.linspace(0.0, 1.0, num_frames)
    path = _camera_path(camera, rng, t, width, height)
    num_subjects = int(rng.choice([1, 1, 2, 2, 3]))
    colors = rng.choice(list(SUBJECT_COLORS), size=num_subjects, replace=False)
    shapes = rng.choice(list(SHAPE_WORDS), size=num_subjects)
    while True:
        subjects = []
        for k in range(num_subjects):
            count = int(rng.choice([1, 2, 2, 3] if num_subjects == 1 else [1, 2, 2]))
            start = 0.0 if k == 0 else float(rng.uniform(0.05, 0.35))
            subjects.append(
                Subject(
                    color=str(colors[k]),
                    shape=str(shapes[k]),
                    radius=float(rng.uniform(0.05, 0.075) * width),
                    origin=(0.0, 0.0),
                    speed=float(rng.uniform(0.45, 0.6) * width),
                    actions=_actions(rng, count, start),
                )
            )
        if _starts_apart(subjects, 0.08):
            break
    for subject in subjects:
        _place(subject, rng, path, t, width, height)
    margin = 0.4 * max(width, height)
    background = _background(rng, int(height * 1.6 + 2 * margin), int(width * 1.6 + 2 * margin))
    return Scene(name, camera, subjects, width, height, fps, num_frames, path, background)


def _shape_coverage(shape: str, dx: np.ndarray, dy: np.ndarray, radius: float) -> np.ndarray:
    """Anti-aliased coverage (0..1) of a shape of ``radius`` at offsets ``dx``, ``dy``."""
    if shape == "circle":
        dist = np.sqrt(dx**2 + dy**2)
    elif shape == "square":
        dist = np.maximum(np.abs(dx), np.abs(dy)) * 1.1
    else:
        dist = (np.abs(dx) + np.abs(dy)) * 0.8
    return np.clip(radius - dist + 0.5, 0.0, 1.0)


def render(scene: Scene) -> np.ndarray:
    """Render ``scene`` as ``(num_frames, height, width, 3)`` uint8 RGB frames."""
    t = np.linspace(0.0, 1.0, scene.num_frames)
    bh, bw = scene.background.shape[:2]
    u = np.arange(scene.width) + 0.5 - scene.width / 2
    v = np.arange(scene.height) + 0.5 - scene.height / 2
    tracks = [_screen(s.position(t), scene.camera_path, scene.width, scene.height) for s in scene.subjects]
    frames = np.empty((scene.num_frames, scene.height, scene.width, 3), dtype=np.uint8)
    for i, (cx, cy, scale) in enumerate(scene.camera_path):
        image = _bilinear(scene.background, bw / 2 + cx + u * scale, bh / 2 + cy + v * scale)
        for subject, track in zip(scene.subjects, tracks):
            sx, sy = track[i]
            alpha = _shape_coverage(
                subject.shape,
                u[None, :] + scene.width / 2 - sx,
                v[:, None] + scene.height / 2 - sy,
                subject.radius / scale,
            )[..., None]
            image = image * (1 - alpha) + np.asarray(SUBJECT_COLORS[subject.color], dtype=np.float32) * alpha
        frames[i] = np.clip(image + 0.5, 0, 255).astype(np.uint8)
    return frames


def write_mp4(frames: np.ndarray, path: str | os.PathLike[str], fps: int) -> None:
    """Encode uint8 RGB ``frames`` as H.264 (yuv420p) mp4 with PyAV."""
    import av

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
