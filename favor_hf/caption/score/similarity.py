"""Text and action similarity for one video: Sentence-BERT cosine plus the official boosts.

:class:`VideoSimilarity` is created for one prediction/reference pair and dropped after it.
It keeps one memo, shared by text and action similarity exactly as the official scorer's
cache is (a pair first compared as plain text keeps that value when later compared as
actions, and the other way round), so each video scores as it does in the official
pipeline with its caches cleared, and depends on nothing but its own inputs. Likewise a
text is looked up under the first spelling met of its stripped, lower-cased form, as the
official embedding cache does (this matters with cased models only).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from favor_hf.caption.extract.verbs import VerbAnalyzer
from favor_hf.caption.score.config import CaptionScoreConfig
from favor_hf.caption.score.embed import EmbeddingTable

KEY_TERM_MAPPINGS: dict[str, tuple[str, ...]] = {
    "begin interacting with laptop": ("place hands on keyboard", "use computer", "type on keyboard"),
    "interact with laptop": ("use computer", "type on keyboard"),
    "place hands on keyboard": ("begin typing", "start typing", "use keyboard"),
    "use laptop": ("operate computer", "work on laptop"),
    "focus on screen": ("look at monitor", "watch display"),
}
"""Phrase -> phrases the official scorer treats as the same activity (substring match)."""

KEY_WORD_PAIRS: tuple[tuple[str, str], ...] = (
    ("laptop", "keyboard"),
    ("laptop", "computer"),
    ("interact", "place hands"),
    ("interact", "use"),
    ("begin", "place"),
    ("screen", "monitor"),
    ("screen", "display"),
    ("interacting", "typing"),
    ("typing", "keyboard"),
)
"""Word pairs (whitespace tokens, one in each text) that trigger the key-term boost."""

COMPUTER_INTERACTIONS: tuple[tuple[str, str], ...] = (
    ("begin interacting with the laptop", "places hands on the computer keyboard"),
    ("interacting with laptop", "hands on keyboard"),
    ("interacting with computer", "typing on keyboard"),
)
"""Action phrase pairs that get the entity-match boost."""

REFERENCE_TERM_BOOSTS: tuple[tuple[float, tuple[frozenset[str], ...]], ...] = (
    (
        0.3,
        tuple(
            map(
                frozenset,
                [
                    ("girl", "girls"),
                    ("woman", "women"),
                    ("man", "men"),
                    ("boy", "boys"),
                    ("person", "people"),
                    ("child", "children"),
                    ("adult", "adults"),
                    ("subject", "subjects"),
                ],
            )
        ),
    ),
    (
        0.15,
        tuple(
            map(
                frozenset,
                [
                    ("girl", "woman"),
                    ("girl", "female"),
                    ("woman", "female"),
                    ("woman", "lady"),
                    ("boy", "man"),
                    ("boy", "male"),
                    ("man", "male"),
                    ("child", "kid"),
                    ("child", "girl"),
                    ("child", "boy"),
                    ("person", "human"),
                    ("person", "individual"),
                    ("person", "subject"),
                ],
            )
        ),
    ),
    (
        0.07,
        tuple(
            map(
                frozenset,
                [
                    ("person", "man"),
                    ("person", "woman"),
                    ("person", "child"),
                    ("adult", "man"),
                    ("adult", "woman"),
                    ("teenager", "boy"),
                    ("teenager", "girl"),
                ],
            )
        ),
    ),
)
"""Boost of a subject-description similarity when both mention terms of one group (x1.5
when they share the very term)."""


def has_key_term_mapping(first: str, second: str) -> bool:
    """True when two texts hit an official key-term mapping or key word pair."""
    first, second = first.lower().strip(), second.lower().strip()
    for phrase, equivalents in KEY_TERM_MAPPINGS.items():
        if phrase in first and any(other in second for other in equivalents):
            return True
        if phrase in second and any(other in first for other in equivalents):
            return True
    first_words, second_words = set(first.split()), set(second.split())
    return any(
        (a in first_words and b in second_words) or (a in second_words and b in first_words) for a, b in KEY_WORD_PAIRS
    )


def reference_term_boost(first: str, second: str) -> float:
    """Largest boost of :data:`REFERENCE_TERM_BOOSTS` that two subject descriptions earn."""
    first_words, second_words = set(first.lower().split()), set(second.lower().split())
    shared = first_words & second_words
    best = 0.0
    for boost, groups in REFERENCE_TERM_BOOSTS:
        for terms in groups:
            if first_words & terms and second_words & terms:
                best = max(best, boost * 1.5 if shared & terms else boost)
    return best


def _memo_key(first: str, second: str) -> tuple[str, str]:
    first, second = first.lower().strip(), second.lower().strip()
    return (first, second) if first <= second else (second, first)


class VideoSimilarity:
    """Similarities between the strings of one video's prediction and reference."""

    def __init__(self, embeddings: EmbeddingTable, verbs: VerbAnalyzer, config: CaptionScoreConfig) -> None:
        self._embeddings = embeddings
        self._verbs = verbs
        self._config = config
        self._memo: dict[tuple[str, str], float | Callable[[], float]] = {}
        """Similarity per pair; a callable is a comparison recorded but computed only when read."""
        self._spellings: dict[str, str] = {}
        self.missing: set[str] = set()
        """Strings compared without an embedding (scored as cosine 0): embed them and rescore."""

    def text(self, first: str, second: str) -> float:
        """Cosine of the two embeddings, 1.0 for equal texts, plus the key-term boost."""
        if not first or not second:
            return 0.0
        self.defer_text(first, second)
        return self._read(_memo_key(first, second))

    def defer_text(self, first: str, second: str) -> None:
        """Record a text comparison whose value nobody needs yet: :meth:`text` computes it,
        but only once the memo entry it leaves is read (an action comparison of that pair)."""
        if first and second:
            key = _memo_key(first, second)
            if key not in self._memo:
                self._memo[key] = 1.0 if key[0] == key[1] else functools.partial(self._base_text, first, second)

    def defer_action(self, first: str, second: str) -> None:
        """Record an action comparison whose value nobody needs yet, as :meth:`defer_text` does."""
        if first and second:
            key = _memo_key(first, second)
            if key[0] != key[1] and key not in self._memo:
                self._spelling(first), self._spelling(second)  # met now, as in the official loop
                self._memo[key] = functools.partial(self._action_value, first, second)

    def _read(self, key: tuple[str, str]) -> float:
        value = self._memo[key]
        if callable(value):
            value = self._memo[key] = value()
        return value

    def _spelling(self, text: str) -> str:
        # The official embedding cache is keyed by the stripped, lower-cased text and holds the
        # embedding of the first spelling met: with a cased model, "Walks" may stand for "walks".
        return self._spellings.setdefault(text.strip().lower(), text)

    def _base_text(self, first: str, second: str) -> float:
        embedded = (self._spelling(first), self._spelling(second))
        similarity = self._embeddings.cosine(*embedded)
        if similarity is None:
            self.missing.update(text for text in embedded if text not in self._embeddings)
            similarity = 0.0
        if has_key_term_mapping(first, second):
            similarity = min(1.0, similarity + self._config.key_term_boost)
        return similarity

    def action(self, first: str, second: str) -> float:
        """Text similarity plus the core-verb boost and the computer-interaction boost."""
        if not first or not second:
            return 0.0
        key = _memo_key(first, second)
        if key[0] == key[1]:
            return 1.0
        if key in self._memo:
            return self._read(key)
        similarity = self._memo[key] = self._action_value(first, second)
        return similarity

    def _action_value(self, first: str, second: str) -> float:
        similarity = self._base_text(first, second)
        boost = self._config.verb_similarity_boost
        first_verb, second_verb = self._verbs.core_verb(first), self._verbs.core_verb(second)
        if first_verb and second_verb:
            if first_verb == second_verb:
                similarity = min(1.0, similarity + boost)
            elif self._config.verb_synonym_match and self._verbs.related(first_verb, second_verb):
                similarity = min(1.0, similarity + boost * 0.8)
        first_lower, second_lower = first.lower(), second.lower()
        for a, b in COMPUTER_INTERACTIONS:
            if (a in first_lower and b in second_lower) or (a in second_lower and b in first_lower):
                similarity = min(1.0, similarity + self._config.entity_match_boost)
                break
        return similarity

    def action_matrix(self, predicted: Sequence[str], reference: Sequence[str]) -> np.ndarray:
        """Action similarities (rows: predicted), blended with relative-position closeness
        when ``position_aware`` and both sequences have two or more actions."""
        matrix = np.zeros((len(predicted), len(reference)))
        for i, pred in enumerate(predicted):
            for j, ref in enumerate(reference):
                matrix[i, j] = self.action(pred, ref)
        weight = self._config.position_weight if self._config.position_aware else 0.0
        if weight > 0 and len(predicted) > 1 and len(reference) > 1:
            matrix = (1 - weight) * matrix + weight * position_closeness(len(predicted), len(reference))
        return matrix


def position_closeness(num_predicted: int, num_reference: int) -> np.ndarray:
    """``exp(-4 d**2)`` for the distance ``d`` of relative positions (0..1) of each predicted
    and reference action; its last bit differs between CPUs (see :mod:`favor_hf.caption.score.ties`)."""
    pred_position = (np.arange(num_predicted) / (num_predicted - 1))[:, np.newaxis]
    ref_position = (np.arange(num_reference) / (num_reference - 1))[np.newaxis, :]
    return np.exp(-4 * (pred_position - ref_position) ** 2)
