"""The 13 LLM-free caption scores: extract -> embed -> match -> score.

:func:`score_captions` extracts free-form predictions (step 1), collects the strings the
videos compare, embeds each distinct string once in batches, then scores each video on its
own with the official step-2 rules (:func:`score_video`). Joined runs of predicted actions
are compared only when some action of the run is unmatched, so they are embedded on demand:
a video that meets runs not embedded yet is scored again once they are, in one batch with
those of the other videos.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from favor_hf.caption.extract.set_orders import DEFAULT_HASH_SEED
from favor_hf.caption.extract.verbs import VerbAnalyzer
from favor_hf.caption.score.config import CaptionScoreConfig, resolve_config
from favor_hf.caption.score.embed import DEFAULT_MODEL, EmbeddingTable, load_sentence_model
from favor_hf.caption.score.match import (
    ActionMatch,
    SubjectPair,
    harmonic_mean,
    match_actions,
    match_subjects,
    order_score,
)
from favor_hf.caption.score.references import MotionList, parse_camera_segments, parse_chronological, parse_motion_list
from favor_hf.caption.score.signature import score_signature
from favor_hf.caption.score.similarity import VideoSimilarity
from favor_hf.resources import load_word_lists
from favor_hf.schema import CAPTION_SCORE_KEYS

COMPARED_FIELDS: tuple[str, ...] = ("camera_motion", "motion_list", "chronological_motion_list")
"""Fields of a prediction (step-1 output) and a reference that step 2 compares."""

_Scores = tuple[float, float, float, float]
"""F1 (match score), precision, recall and order score of one part of the comparison."""


@dataclass(frozen=True)
class ParsedFields:
    """The compared fields of one prediction or reference, parsed as step 2 reads them."""

    camera_motion: str
    camera_segments: list[str]
    motion: MotionList
    chronology: list[tuple[str, int]]

    @classmethod
    def parse(cls, fields: Mapping[str, str]) -> ParsedFields:
        """Parse the :data:`COMPARED_FIELDS` of one record."""
        return cls(
            fields["camera_motion"],
            parse_camera_segments(fields["camera_motion"]),
            parse_motion_list(fields["motion_list"]),
            parse_chronological(fields["chronological_motion_list"]),
        )

    @property
    def has_camera_motion(self) -> bool:
        return bool(self.camera_motion and self.camera_motion.strip())


def strings_to_embed(prediction: ParsedFields, reference: ParsedFields) -> set[str]:
    """The strings :func:`score_video` compares for this pair, runs of actions aside."""
    strings: set[str] = set()
    if reference.has_camera_motion:
        strings.update(prediction.camera_segments, reference.camera_segments)
    several_subjects = len(prediction.motion.descriptions) > 1 or len(reference.motion.descriptions) > 1
    for parsed in (prediction, reference):
        if several_subjects:
            strings.update(description.lower() for description in parsed.motion.descriptions.values())
            strings.update(" ".join(actions) for actions in parsed.motion.actions.values())
        for actions in parsed.motion.actions.values():
            strings.update(actions)
        strings.update(action for action, _ in parsed.chronology)
    strings.discard("")
    return strings


def _weighted_mean(values: Sequence[float], weights: Sequence[int]) -> float:
    return sum(value * weight for value, weight in zip(values, weights)) / sum(weights)


def _alignment(predicted: Sequence[str], reference: Sequence[str], match: ActionMatch) -> dict[str, Any]:
    covered = {i for pair in match.pairs for i in range(pair.pred_start, pair.pred_end)}
    found = {pair.gt for pair in match.pairs}
    return {
        "matched": [
            {
                "predicted": " ".join(predicted[pair.pred_start : pair.pred_end]),
                "predicted_indices": list(range(pair.pred_start, pair.pred_end)),
                "reference": reference[pair.gt],
                "reference_index": pair.gt,
                "similarity": float(pair.similarity),
            }
            for pair in match.pairs
        ],
        "missed": [{"index": j, "text": text} for j, text in enumerate(reference) if j not in found],
        "invented": [{"index": i, "text": text} for i, text in enumerate(predicted) if i not in covered],
    }


def _score_camera(
    prediction: ParsedFields, reference: ParsedFields, similarity: VideoSimilarity, config: CaptionScoreConfig
) -> tuple[_Scores, dict[str, Any]]:
    details: dict[str, Any] = {
        "predicted_segments": prediction.camera_segments,
        "reference_segments": reference.camera_segments if reference.has_camera_motion else [],
        "no_reference_camera_motion": not reference.has_camera_motion,
    }
    if not reference.has_camera_motion:
        return (1.0, 1.0, 1.0, 1.0), {**details, "matched": [], "missed": [], "invented": []}
    predicted, ref = prediction.camera_segments, reference.camera_segments
    threshold = config.action_similarity_threshold * config.camera_threshold_factor
    match = match_actions(predicted, ref, similarity, config, threshold)
    order = order_score(match.mapping, len(predicted), len(ref), config) if predicted and ref else 0.0
    scores = (match.f1, match.precision, match.recall, order)
    return scores, {**details, **_alignment(predicted, ref, match)}


def _subject_entries(motion: MotionList) -> list[dict[str, Any]]:
    return [
        {"id": subject, "description": description, "actions": motion.actions.get(subject, [])}
        for subject, description in motion.descriptions.items()
    ]


def _score_subjects(
    prediction: ParsedFields, reference: ParsedFields, similarity: VideoSimilarity, config: CaptionScoreConfig
) -> tuple[_Scores, dict[str, Any]]:
    pairs: list[SubjectPair] = match_subjects(prediction.motion, reference.motion, similarity, config)
    results, weights, per_subject = [], [], []
    for pair in pairs:
        predicted, ref = prediction.motion.actions[pair.pred], reference.motion.actions[pair.gt]
        match = match_actions(predicted, ref, similarity, config, config.action_similarity_threshold)
        order = order_score(match.mapping, len(predicted), len(ref), config)
        results.append((match.f1, match.precision, match.recall, order))
        weights.append(len(ref))
        per_subject.append(
            {
                "predicted_subject": pair.pred,
                "reference_subject": pair.gt,
                "f1": float(match.f1),
                "precision": float(match.precision),
                "recall": float(match.recall),
                "order": float(order),
                "weight": len(ref),
                **_alignment(predicted, ref, match),
            }
        )
    details = {
        "predicted": _subject_entries(prediction.motion),
        "reference": _subject_entries(reference.motion),
        "mapping": [
            {
                "predicted": p.pred,
                "reference": p.gt,
                "similarity": None if p.similarity is None else float(p.similarity),
            }
            for p in pairs
        ],
        "unmatched_predicted": [s for s in prediction.motion.descriptions if s not in {p.pred for p in pairs}],
        "unmatched_reference": [s for s in reference.motion.descriptions if s not in {p.gt for p in pairs}],
        "actions": per_subject,
    }
    if not weights:
        return (0.0, 0.0, 0.0, 0.0), details
    if sum(weights) == 0:
        raise _ReferenceWithoutActions()
    f1, precision, recall, order = (_weighted_mean([result[k] for result in results], weights) for k in range(4))
    return (f1, precision, recall, order), details


class _ReferenceWithoutActions(Exception):
    """Matched reference subjects have no actions: the official scorer divides by zero."""


def _score_chronology(
    prediction: ParsedFields, reference: ParsedFields, similarity: VideoSimilarity, config: CaptionScoreConfig
) -> tuple[_Scores, dict[str, Any]]:
    predicted = [action for action, _ in prediction.chronology]
    ref = [action for action, _ in reference.chronology]
    details: dict[str, Any] = {
        "predicted": [{"action": a, "subject": s} for a, s in prediction.chronology],
        "reference": [{"action": a, "subject": s} for a, s in reference.chronology],
    }
    if not predicted or not ref:
        return (0.0, 0.0, 0.0, 0.0), {**details, **_alignment(predicted, ref, ActionMatch()), "subject_match_rate": 0.0}
    match = match_actions(predicted, ref, similarity, config, config.action_similarity_threshold)
    agreements = [int(prediction.chronology[i][1] == reference.chronology[j][1]) for i, j in match.mapping.items()]
    rate = float(np.mean(agreements)) if agreements else 0.0
    order = order_score(match.mapping, len(predicted), len(ref), config)
    precision = match.precision * (0.9 + 0.1 * rate)
    recall = match.recall * (0.9 + 0.1 * rate)
    f1 = harmonic_mean(precision, recall)
    return (f1, precision, recall, order), {
        **details,
        **_alignment(predicted, ref, match),
        "subject_match_rate": float(rate),
    }


def score_video(
    prediction: ParsedFields,
    reference: ParsedFields,
    embeddings: EmbeddingTable,
    verbs: VerbAnalyzer,
    config: CaptionScoreConfig,
) -> tuple[dict[str, float], dict[str, Any], set[str]]:
    """The 13 scores of one video, the alignment behind them, and the strings it compared
    without an embedding in ``embeddings``: unless that set is empty, add them to
    ``embeddings`` and score again (the scores are not final).
    """
    similarity = VideoSimilarity(embeddings, verbs, config)
    camera, camera_details = _score_camera(prediction, reference, similarity, config)
    try:
        subject, subject_details = _score_subjects(prediction, reference, similarity, config)
    except _ReferenceWithoutActions:
        alignment: dict[str, Any] = {
            "error": "the matched reference subjects list no actions; the official scorer fails and scores 0"
        }
        return dict.fromkeys(CAPTION_SCORE_KEYS, 0.0), alignment, similarity.missing
    chrono, chrono_details = _score_chronology(prediction, reference, similarity, config)
    final = config.final_score((camera[0], *subject[1:4], *chrono[1:4]))
    values = (*camera, *subject, *chrono, final)
    scores = {key: float(value) for key, value in zip(CAPTION_SCORE_KEYS, values)}
    alignment = {"camera": camera_details, "subjects": subject_details, "chronology": chrono_details}
    return scores, alignment, similarity.missing


class CaptionInputError(ValueError):
    """Predictions or references that cannot be scored; the message names the record and field."""


def _kind(value: object) -> str:
    """``"None"`` or ``"a list"``: what a value is, for messages."""
    return "None" if value is None else f"a {type(value).__name__}"


def _record_name(kind: str, index: int, record: object) -> str:
    video = None
    if isinstance(record, Mapping):
        video = record.get("video_id") or record.get("video_name") or record.get("video")
    return f"{kind}[{index}]" + (f" (video {video})" if video else "")


def _compared_fields(kind: str, index: int, record: object) -> dict[str, str]:
    name = _record_name(kind, index, record)
    if not isinstance(record, Mapping):
        expected = "a caption string or " if kind == "predictions" else ""
        raise CaptionInputError(
            f"{name} is {_kind(record)}; expected {expected}a dict with fields {list(COMPARED_FIELDS)}"
        )
    for field in COMPARED_FIELDS:
        if field not in record:
            raise CaptionInputError(f"{name} has no field {field!r}; every {kind[:-1]} needs {list(COMPARED_FIELDS)}")
        if not isinstance(record[field], str):
            raise CaptionInputError(f"{name} field {field!r} is a {type(record[field]).__name__}; expected a string")
    return {field: record[field] for field in COMPARED_FIELDS}


_UNPARSEABLE = "a subject number too long to read as an integer; the official scorer fails and scores 0"


def _parse_pair(
    prediction: Mapping[str, str], reference: Mapping[str, str]
) -> tuple[ParsedFields, ParsedFields] | None:
    try:
        return ParsedFields.parse(prediction), ParsedFields.parse(reference)
    except ValueError:  # int() of a "Subject N" with thousands of digits
        return None


def compared_records(records: Sequence[Any], kind: str) -> list[Any]:
    """Keep only the compared fields of dict records (checking them); strings pass through.

    ``kind`` ("predictions" or "references") names the records in error messages.
    """
    return [
        record if isinstance(record, str) and kind == "predictions" else _compared_fields(kind, index, record)
        for index, record in enumerate(records)
    ]


def _extract_all(
    predictions: Sequence[str | Mapping[str, Any]], word_lists: dict[str, Any], hash_seed: int, show_progress: bool
) -> list[dict[str, Any]]:
    from favor_hf.caption.extract.extractor import EXTRACTION_FIELDS, CaptionExtractor  # step 1 loads NLTK

    extractor = None
    extractions = []
    for index, prediction in enumerate(tqdm(predictions, desc="Extracting captions", disable=not show_progress)):
        if isinstance(prediction, str):
            if extractor is None:
                extractor = CaptionExtractor(word_lists, official_hash_seed=hash_seed)
            extractions.append(dict(extractor(prediction)))
        elif isinstance(prediction, Mapping):
            _compared_fields("predictions", index, prediction)
            extractions.append({field: prediction[field] for field in EXTRACTION_FIELDS if field in prediction})
        else:
            raise CaptionInputError(
                f"predictions[{index}] is {_kind(prediction)}; expected a caption string "
                f"or a step-1 dict with fields {list(COMPARED_FIELDS)}"
            )
    return extractions


def score_captions(
    predictions: Sequence[str | Mapping[str, Any]],
    references: Sequence[Mapping[str, Any]],
    *,
    model_name: str = DEFAULT_MODEL,
    config: CaptionScoreConfig | Mapping[str, Any] | None = None,
    return_details: bool = False,
    dictionary_path: str | None = None,
    batch_size: int = 64,
    device: str | None = None,
    show_progress: bool = False,
    official_hash_seed: int = DEFAULT_HASH_SEED,
    motion_aware: bool = False,
) -> dict[str, Any]:
    """Score free-form captions against FAVOR annotations with the LLM-free metric.

    Args:
        predictions: captions, or step-1 extractions (dicts with ``camera_motion``,
            ``motion_list`` and ``chronological_motion_list``).
        references: FAVOR annotations, each with at least those three fields.
        model_name: Sentence-BERT model (Hub id or local directory); never replaced silently.
        config: a :class:`CaptionScoreConfig` or a dict of overrides (official defaults).
        return_details: add ``details``, per video: the 13 scores, the extraction and the
            alignment (matched, missed and invented actions and camera segments, subject
            mapping, chronological matches).
        dictionary_path: local copy of the official word lists (else ``$FAVOR_DICTIONARY_PATH``
            or the pinned download).
        batch_size: strings per embedding batch.
        device: torch device for the model.
        show_progress: progress bars for extraction, embedding and scoring.
        official_hash_seed: step 1 equals the official run under this ``PYTHONHASHSEED``.
        motion_aware: also compute the motion-aware companion
            (:mod:`favor_hf.caption.analysis.motion`): its means, ``motion_contradictions``,
            ``videos_with_motion_contradictions`` and ``motion_signature``; with details, each
            video's companion scores and contradicted pairs. The 13 official scores and
            ``signature`` are unchanged.

    Returns:
        The mean of each of the 13 scores, ``num_videos``, ``model_name`` (the model used)
        and ``signature`` (:mod:`favor_hf.caption.score.signature`: what decides the numbers).

    Example:
        >>> result = score_captions(["The camera pans left. A man walks in."],
        ...                [{"camera_motion": "Camera pans left", "motion_list": "Subject 1: Man [walks in]",
        ...                  "chronological_motion_list": "walks in (Subject 1)"}],
        ...                model_name="sentence-transformers/all-MiniLM-L6-v2")
        >>> round(result["final_score"], 4), result["num_videos"]
        (1.0, 1)
    """
    if len(predictions) != len(references):
        raise CaptionInputError(
            f"{len(predictions)} predictions but {len(references)} references; give one reference per prediction"
        )
    config = resolve_config(config)
    reference_fields = [_compared_fields("references", i, reference) for i, reference in enumerate(references)]
    word_lists = load_word_lists(dictionary_path)
    extractions = _extract_all(predictions, word_lists, official_hash_seed, show_progress)
    pairs = [_parse_pair(pred, ref) for pred, ref in zip(extractions, reference_fields)]
    model, used_model = load_sentence_model(model_name, device)
    embeddings = EmbeddingTable(model, batch_size=batch_size, show_progress=show_progress)
    embeddings.add(text for pair in pairs if pair for text in strings_to_embed(*pair))
    verbs = VerbAnalyzer.shared(tuple(word_lists["COMMON_VERBS"] + word_lists["PHRASAL_VERBS"]))
    details: list[dict[str, Any]] = [
        {}
        if pair
        else {**dict.fromkeys(CAPTION_SCORE_KEYS, 0.0), "extraction": extraction, "alignment": {"error": _UNPARSEABLE}}
        for pair, extraction in zip(pairs, extractions)
    ]
    pending = [(index, pair) for index, pair in enumerate(pairs) if pair]
    while pending:
        needed: set[str] = set()
        unfinished = []
        for index, pair in tqdm(pending, desc="Scoring videos", disable=not show_progress):
            prediction, reference = pair
            scores, alignment, missing = score_video(prediction, reference, embeddings, verbs, config)
            if missing:
                needed |= missing
                unfinished.append((index, pair))
            else:
                details[index] = {**scores, "extraction": extractions[index], "alignment": alignment}
        embeddings.add(needed)
        pending = unfinished
    result: dict[str, Any] = {
        key: float(np.mean([video[key] for video in details])) if details else 0.0 for key in CAPTION_SCORE_KEYS
    }
    result.update(
        num_videos=len(details),
        model_name=used_model,
        signature=score_signature(model, used_model, word_lists, config, official_hash_seed),
    )
    if motion_aware:
        from favor_hf.caption.analysis.motion import add_motion_scores, motion_signature

        captions = [prediction if isinstance(prediction, str) else None for prediction in predictions]
        result.update(
            add_motion_scores(details, config, captions), motion_signature=motion_signature(result["signature"])
        )
    if return_details:
        result["details"] = details
    return result
