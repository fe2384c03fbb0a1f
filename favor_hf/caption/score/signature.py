"""The score signature: one short string naming everything that decides a caption score.

As sacrebleu's signature does for BLEU, every caption result carries it; two results with
the same signature are comparable, two with different signatures are not ranked together.

    favor_caption|v:0.2.0|model:sentence-transformers/all-MiniLM-L6-v2@53aa51172d14|words:c0ed2c1f3a1b|nltk:3.10.4@8c1d0e5f7a29|seed:0|cfg:official

- ``v``: the favor-hf version (it fixes the code, the tie rule included);
- ``model``: the Sentence-BERT model and the first 12 hex digits of the sha256 of its weights;
- ``words``: sha256 of the word lists (their content, whatever the file format);
- ``nltk``: the NLTK version and a sha256 of the data files step 1 and 2 read
  (Punkt, the tagger, WordNet);
- ``seed``: the ``PYTHONHASHSEED`` of the official step-1 run reproduced;
- ``cfg``: ``official`` for the official step-2 parameters, else a hash of them.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from favor_hf._version import __version__
from favor_hf.caption.score.config import CaptionScoreConfig
from favor_hf.caption.score.embed_cache import weights_sha256

if TYPE_CHECKING:
    from favor_hf.caption.score.encoder import Encoder

_NLTK_DATA = ("tokenizers/punkt_tab/english", "taggers/averaged_perceptron_tagger_eng", "corpora/wordnet")


def _short(digest: str) -> str:
    return digest[:12]


def word_lists_sha256(word_lists: dict[str, Any]) -> str:
    """sha256 of the word lists' content (canonical JSON)."""
    return hashlib.sha256(json.dumps(word_lists, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


@lru_cache(maxsize=4)
def _nltk_data_sha256(roots: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for root in map(Path, roots):
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            digest.update(f"{path.relative_to(root.parent) if root.is_dir() else path.name}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def nltk_data_sha256() -> str:
    """sha256 of the NLTK data files the metric reads, as found on ``NLTK_DATA``."""
    import nltk

    return _nltk_data_sha256(tuple(str(nltk.data.find(resource)) for resource in _NLTK_DATA))


def config_tag(config: CaptionScoreConfig) -> str:
    """``official`` for the official parameters, else the first 12 hex digits of their sha256."""
    values = config.to_dict()
    if values == CaptionScoreConfig().to_dict():
        return "official"
    return _short(hashlib.sha256(json.dumps(values, sort_keys=True).encode("utf-8")).hexdigest())


def score_signature(
    model: Encoder, model_name: str, word_lists: dict[str, Any], config: CaptionScoreConfig, hash_seed: int
) -> str:
    """The signature of a caption score computed with these inputs (see the module docs)."""
    import nltk  # lazy: NLTK loads only when a score is signed

    parts = (
        "favor_caption",
        f"v:{__version__}",
        f"model:{model_name}@{_short(weights_sha256(model))}",
        f"words:{_short(word_lists_sha256(word_lists))}",
        f"nltk:{nltk.__version__}@{_short(nltk_data_sha256())}",
        f"seed:{hash_seed}",
        f"cfg:{config_tag(config)}",
    )
    return "|".join(parts)
