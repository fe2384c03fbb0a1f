"""Folders, upload limits and defaults of the Space, overridable through environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CAPTION_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as err:
        raise ValueError(f"environment variable {name}={raw!r} is not a number") from err


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    return value in {"1", "true", "yes", "on"} if value else default


def _public() -> bool:
    return _flag("FAVOR_SPACE_PUBLIC", bool(os.environ.get("SPACE_ID")))


@dataclass(frozen=True)
class SpaceSettings:
    """Everything the Space needs to know before it builds its UI.

    Attributes:
        samples_dir: where the synthetic sample clips are generated (``$FAVOR_SPACE_SAMPLES``).
        results_dir: where ``favor-hf run`` results files are read for the leaderboard
            (``$FAVOR_SPACE_RESULTS``); fixed at start, never chosen from the browser.
        num_samples: how many sample clips to generate (``$FAVOR_SPACE_NUM_SAMPLES``).
        sample_seed: seed of the sample generator.
        max_upload_mb: largest accepted upload (``$FAVOR_SPACE_MAX_UPLOAD_MB``).
        max_duration_s: longest accepted upload (``$FAVOR_SPACE_MAX_DURATION_S``).
        max_side_px: largest accepted width or height of an upload.
        num_frames: frames sampled from a clip for models that take frames.
        caption_model: default Sentence-BERT model of the caption score.
        concurrency_limit: model runs served at once; further requests wait in the queue.
        queue_size: requests allowed to wait before new ones are turned away.
        public: the app serves people other than the machine's owner (``$SPACE_ID`` is set on
            Hugging Face Spaces; ``$FAVOR_SPACE_PUBLIC=1/0`` overrides): then models load from
            Hub ids only and OpenAI-compatible calls go only to the configured endpoint.
        max_caption_chars: longest caption scored (``$FAVOR_SPACE_MAX_CAPTION_CHARS``).
        max_record_chars: longest pasted ground-truth record (``$FAVOR_SPACE_MAX_RECORD_CHARS``).
        persist_embeddings: keep embeddings in the on-disk cache (``$FAVOR_SPACE_PERSIST_EMBEDDINGS``;
            default: only when not public, so that visitors' captions never reach the disk).
    """

    samples_dir: Path
    results_dir: Path
    num_samples: int = 4
    sample_seed: int = 0
    max_upload_mb: float = 50.0
    max_duration_s: float = 120.0
    max_side_px: int = 4096
    num_frames: int = 8
    caption_model: str = DEFAULT_CAPTION_MODEL
    concurrency_limit: int = 2
    queue_size: int = 32
    public: bool = False
    max_caption_chars: int = 4000
    max_record_chars: int = 200_000
    persist_embeddings: bool = True

    @classmethod
    def from_env(cls, space_dir: str | os.PathLike[str]) -> SpaceSettings:
        """Settings for a Space living in ``space_dir``, with ``$FAVOR_SPACE_*`` overrides."""
        space_dir = Path(space_dir).resolve()
        return cls(
            samples_dir=Path(os.environ.get("FAVOR_SPACE_SAMPLES") or space_dir / "samples").resolve(),
            results_dir=Path(os.environ.get("FAVOR_SPACE_RESULTS") or space_dir / "results").resolve(),
            num_samples=int(_env_float("FAVOR_SPACE_NUM_SAMPLES", 4)),
            max_upload_mb=_env_float("FAVOR_SPACE_MAX_UPLOAD_MB", 50.0),
            max_duration_s=_env_float("FAVOR_SPACE_MAX_DURATION_S", 120.0),
            caption_model=os.environ.get("FAVOR_SPACE_CAPTION_MODEL") or DEFAULT_CAPTION_MODEL,
            concurrency_limit=int(_env_float("FAVOR_SPACE_CONCURRENCY", 2)),
            public=_public(),
            max_caption_chars=int(_env_float("FAVOR_SPACE_MAX_CAPTION_CHARS", 4000)),
            max_record_chars=int(_env_float("FAVOR_SPACE_MAX_RECORD_CHARS", 200_000)),
            persist_embeddings=_flag("FAVOR_SPACE_PERSIST_EMBEDDINGS", not _public()),
        )
