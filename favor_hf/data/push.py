"""Upload an exported FAVOR dataset folder to the Hugging Face Hub.

Example:
    >>> # not run in CI: uploads to the Hub, which needs a network and a write token
    >>> push_dataset("synth-bench", "my-org/favor-bench")  # doctest: +SKIP
    'https://huggingface.co/datasets/my-org/favor-bench/commit/...'

Afterwards ``load_dataset("my-org/favor-bench", "mcq")`` returns the typed ``mcq`` config.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from favor_hf.data.favor_json import DataError

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


class PushError(RuntimeError):
    """The upload could not be done; the message says why and what to try."""


def check_export_folder(folder: str | os.PathLike[str]) -> Path:
    """``folder`` as a Path if it looks like an export (README.md and data/), else :class:`DataError`."""
    path = Path(folder)
    if not path.is_dir():
        raise DataError(f"{path}: folder not found; create it with `favor-hf export --out {path}`")
    missing = [name for name in ("README.md", "data") if not (path / name).exists()]
    if missing:
        raise DataError(f"{path}: not an exported dataset (missing {', '.join(missing)}); run `favor-hf export` first")
    return path


def push_dataset(
    folder: str | os.PathLike[str],
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    revision: str | None = None,
    commit_message: str = "Upload FAVOR-Bench export (favor-hf)",
) -> str:
    """Create the dataset repo ``repo_id`` if needed and upload ``folder``; return the commit URL.

    Raises:
        DataError: ``folder`` is not an export, or ``repo_id`` is not ``ORG/NAME``.
        PushError: the Hub could not be reached or refused the upload.
    """
    path = check_export_folder(folder)
    if not _REPO_ID.match(repo_id):
        raise DataError(f"repo id {repo_id!r} must look like ORG/NAME, e.g. my-org/favor-bench")
    from huggingface_hub import HfApi

    from favor_hf.network import hub_offline_reason

    offline = hub_offline_reason()
    if offline is not None:
        raise PushError(
            f"could not upload {path} to the Hub dataset {repo_id!r}: {offline}; connect to the network "
            "(and unset HF_HUB_OFFLINE)"
        )
    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        commit = api.upload_folder(
            folder_path=str(path),
            repo_id=repo_id,
            repo_type="dataset",
            revision=revision,
            commit_message=commit_message,
        )
    except Exception as err:  # offline mode, network, auth and permission errors
        raise PushError(
            f"could not upload {path} to the Hub dataset {repo_id!r} ({type(err).__name__}: {err}). "
            "Check the repo name and that you are logged in (`hf auth login`, or set HF_TOKEN) "
            "or pass a write token with --token."
        ) from err
    return str(commit.commit_url if hasattr(commit, "commit_url") else commit)
