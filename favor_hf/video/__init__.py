"""Decode videos and sample frames: PyAV decoding with keyframe seeking, and the sampling presets.

Example:
    >>> frames = sample_frames("clip.mp4", num_frames=8)  # doctest: +SKIP
    >>> clip = Sampling(official=True).clip("clip.mp4")  # doctest: +SKIP
    >>> clip.manifest()["indices"]  # doctest: +SKIP
"""

from favor_hf.video.decode import (
    FrameTable,
    SampledFrames,
    VideoError,
    VideoInfo,
    decode_frames,
    fps_indices,
    frame_table,
    probe,
    sample_frames,
    sample_indices,
    sample_video,
)
from favor_hf.video.presets import Clip, Sampling, official_clip, official_nframes

__all__ = [
    "Clip",
    "FrameTable",
    "SampledFrames",
    "Sampling",
    "VideoError",
    "VideoInfo",
    "decode_frames",
    "fps_indices",
    "frame_table",
    "official_clip",
    "official_nframes",
    "probe",
    "sample_frames",
    "sample_indices",
    "sample_video",
]
