"""Where FAVOR data comes from: a local data directory or the Hub dataset ``zl2048/FAVOR``.

A data directory has the layout of the Hub repository::

    DIR/video_perspective.json        videos with annotations and questions
    DIR/question_perspective.json     optional: the same questions with their question_key
    DIR/videos/FAVOR-Bench/<id>.mp4   optional: the clips

The Hub is reached with ``huggingface_hub.snapshot_download`` at :data:`HUB_REVISION`
(override with ``revision=`` or ``$FAVOR_HUB_REVISION``); offline, only an already cached
snapshot is used.
"""

from __future__ import annotations

import os
from pathlib import Path

from favor_hf.data.favor_json import VIDEO_SUBDIR, DataError

HUB_REPO = "zl2048/FAVOR"
"""The official FAVOR-Bench dataset repository on the Hugging Face Hub."""

HUB_REVISION = "main"
"""Default revision of :data:`HUB_REPO`; pin a commit hash with ``$FAVOR_HUB_REVISION`` or ``revision=``."""

REVISION_ENV = "FAVOR_HUB_REVISION"


def hub_revision(revision: str | None = None) -> str:
    """``revision``, else ``$FAVOR_HUB_REVISION``, else :data:`HUB_REVISION`."""
    return revision or os.environ.get(REVISION_ENV) or HUB_REVISION


def fetch_hub_data(
    repo: str = HUB_REPO,
    revision: str | None = None,
    *,
    with_videos: bool = False,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Download (or reuse the cached) JSON files, and the clips if asked, of a FAVOR Hub repo.

    Returns the local snapshot directory, which has the data-directory layout.
    """
    patterns = ["*.json"] + ([f"{VIDEO_SUBDIR.as_posix()}/*"] if with_videos else [])
    return hub_snapshot(repo, hub_revision(revision), patterns, cache_dir=cache_dir)


def hub_snapshot(
    repo: str,
    revision: str | None,
    patterns: list[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """``snapshot_download`` of a dataset repo's files matching ``patterns``, as a local folder.

    When the Hub cannot be used (:func:`favor_hf.network.hub_offline_reason`) only an already
    cached snapshot is returned, so a missing one fails in seconds rather than after retries.

    Raises:
        DataError: the snapshot is neither cached nor downloadable; the message says why.
    """
    from huggingface_hub import snapshot_download

    from favor_hf.network import hub_offline_reason

    offline = hub_offline_reason()
    try:
        path = snapshot_download(
            repo_id=repo,
            repo_type="dataset",
            revision=revision,
            allow_patterns=patterns,
            cache_dir=None if cache_dir is None else os.fspath(cache_dir),
            local_files_only=offline is not None,
        )
    except Exception as err:  # offline, gated, missing revision: all end here
        cause = f"not in the Hugging Face cache and {offline}" if offline else f"{type(err).__name__}: {err}"
        raise DataError(
            f"could not fetch dataset {repo!r} at revision {revision or 'main'!r} from the Hugging Face Hub "
            f"({cause}). Pass data_dir= (or --data-dir) with a local copy instead."
        ) from err
    return Path(path)


def resolve_data_dir(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    repo: str = HUB_REPO,
    revision: str | None = None,
    with_videos: bool = False,
) -> Path:
    """A local FAVOR data directory: ``data_dir`` when given (checked), else a Hub snapshot."""
    if data_dir is None:
        return fetch_hub_data(repo, revision, with_videos=with_videos)
    path = Path(data_dir).expanduser()
    if not path.is_dir():
        raise DataError(f"{path}: data directory not found")
    return path.resolve()
