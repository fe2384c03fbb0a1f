"""The LLM-free caption metric of FAVOR-Bench: extract -> embed -> match -> score.

Example:
    >>> from favor_hf.caption import score_captions
    >>> result = score_captions(captions, annotations, model_name="sentence-transformers/all-MiniLM-L6-v2")  # doctest: +SKIP
    >>> result["final_score"], result["model_name"]  # doctest: +SKIP
"""

from typing import Any

from favor_hf.caption.score.captions import COMPARED_FIELDS, CaptionInputError, compared_records, score_captions
from favor_hf.caption.score.config import DEFAULT_WEIGHTS, CaptionScoreConfig
from favor_hf.caption.score.embed import DEFAULT_MODEL, MINILM_MODEL, ModelUnavailableError, load_sentence_model

__all__ = [
    "COMPARED_FIELDS",
    "DEFAULT_MODEL",
    "DEFAULT_WEIGHTS",
    "MINILM_MODEL",
    "CaptionExtractor",
    "CaptionInputError",
    "CaptionScoreConfig",
    "ModelUnavailableError",
    "compared_records",
    "load_sentence_model",
    "score_captions",
]


def __getattr__(name: str) -> Any:
    # Step 1 loads NLTK; import it only when asked for.
    if name == "CaptionExtractor":
        from favor_hf.caption.extract.extractor import CaptionExtractor

        return CaptionExtractor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
