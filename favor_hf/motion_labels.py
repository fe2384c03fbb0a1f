"""The motion vocabulary shared by the synthetic clips and the ``flow`` baseline.

Labels (``"pan_left"``, ``"right"``, ...) name a camera motion or a subject action; each maps
to the phrase it is written as in FAVOR annotations, and a camera motion also to the caption
sentence the ``flow`` baseline answers with. :mod:`favor_hf.synth` draws and writes these
motions; :mod:`favor_hf.models.flow` estimates camera motions from frames and names them in
the same words, so neither imports the other.

Example:
    >>> CAMERA_MOTIONS["pan_left"], CAMERA_CAPTIONS["pan_left"]
    ('Pans to the left', 'The camera pans to the left.')
"""

from __future__ import annotations

CAMERA_MOTIONS: dict[str, str] = {
    "pan_left": "Pans to the left",
    "pan_right": "Pans to the right",
    "tilt_up": "Tilts upward",
    "tilt_down": "Tilts downward",
    "zoom_in": "Zooms in",
    "zoom_out": "Zooms out",
    "shake": "Camera shakes",
    "static": "Stationary",
}
"""Camera-motion labels and the annotation phrase each is written as."""

CAMERA_CAPTIONS: dict[str, str] = {
    "pan_left": "The camera pans to the left.",
    "pan_right": "The camera pans to the right.",
    "tilt_up": "The camera tilts upward.",
    "tilt_down": "The camera tilts downward.",
    "zoom_in": "The camera zooms in.",
    "zoom_out": "The camera zooms out.",
    "shake": "The camera shakes.",
    "static": "The camera is stationary.",
}
"""The caption sentence for each camera-motion label."""

SUBJECT_ACTIONS: dict[str, str] = {
    "right": "Moves to the right",
    "left": "Moves to the left",
    "up": "Moves up",
    "down": "Moves down",
    "stop": "Stops",
}
"""Subject-action labels and their annotation phrases."""
