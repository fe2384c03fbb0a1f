"""Decode videos and sample frames: PyAV decoding with keyframe seeking, and the sampling presets.

Example:
    >>> sample_frames("clip.mp4", num_frames=8).shape  # a 3 s, 12 fps, 192x144 synthetic clip
    (8, 144, 192, 3)
    >>> sampling = Sampling(frames=4)
    >>> sampling.label, sampling.clip("clip.mp4").manifest()["indices"]
    ('frames=4,max_side=448', [4, 13, 22, 31])
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
