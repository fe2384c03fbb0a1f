"""The LLM-free caption metric of FAVOR-Bench: extract -> embed -> match -> score.

Example:
    >>> from favor_hf.caption import score_captions
    >>> reference = {"camera_motion": "Camera pans left", "motion_list": "Subject 1: Man [walks in, sits down]",
    ...              "chronological_motion_list": "walks in (Subject 1), sits down (Subject 1)"}
    >>> result = score_captions(["The camera pans left. A man walks in and sits down."], [reference],
    ...                         model_name=MINILM_MODEL)  # all-MiniLM-L6-v2, also offline
    >>> round(result["final_score"], 4), result["model_name"]
    (1.0, 'sentence-transformers/all-MiniLM-L6-v2')
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
