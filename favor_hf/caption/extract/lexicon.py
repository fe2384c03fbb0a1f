"""Word-list-derived lookups for caption extraction, built once per word-list dict.

Everything the extraction steps need from the official word lists lives here: the set of
verb forms (base, -s, -ed, -ing, irregular and phrasal) with the rank of each in the
official set order, the subject nouns with their plurals and synonyms in the official
order (both for a chosen ``PYTHONHASHSEED``, see :mod:`favor_hf.caption.extract.set_orders`), and
fast matchers that reproduce the semantics of
the official per-word ``\\bWORD\\b`` case-insensitive regex scans in one pass over the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from favor_hf.caption.extract.set_orders import SetOrders

_FOLD_TABLE = str.maketrans(
    {**{chr(code): chr(code + 32) for code in range(ord("A"), ord("Z") + 1)}, "İ": "i", "ı": "i", "ſ": "s", "K": "k"}
)
_LETTER_RUN = re.compile(r"[a-z]+")


def fold(text: str) -> str:
    """Case-fold ``text`` character for character, as ``re.IGNORECASE`` compares ASCII letters.

    ASCII capitals and the four non-ASCII letters that ``re`` treats as equal to an ASCII
    letter are mapped to lower-case ASCII; every other character is kept, so indices of the
    folded text are indices of the original.
    """
    return text.translate(_FOLD_TABLE)


def is_word_char(char: str) -> bool:
    """Whether ``char`` is a ``\\w`` character (what ``\\b`` looks at)."""
    return char.isalnum() or char == "_"


@lru_cache(maxsize=8192)
def compiled(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile ``pattern`` once (a pure memo over ``re.compile``)."""
    return re.compile(pattern, flags)


class PhraseMatcher:
    """Finds whole-word occurrences of many phrases at once.

    Equivalent to testing ``re.search(r"\\b" + re.escape(phrase) + r"\\b", text, re.I)`` for
    every phrase (each phrase must start with an ASCII letter), but costs one pass over the
    letter runs of the text instead of one regex scan per phrase.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self._by_run: dict[str, list[str]] = {}
        for phrase in dict.fromkeys(fold(p) for p in phrases):
            run = _LETTER_RUN.match(phrase)
            if run is None:
                raise ValueError(f"phrase {phrase!r} must start with a letter a-z")
            self._by_run.setdefault(run.group(), []).append(phrase)

    @property
    def phrases(self) -> list[str]:
        """Every (folded) phrase matched."""
        return [phrase for phrases in self._by_run.values() for phrase in phrases]

    def _matches(self, text: str):
        folded = fold(text)
        size = len(folded)
        for run in _LETTER_RUN.finditer(folded):
            start = run.start()
            if start and is_word_char(folded[start - 1]):
                continue
            for phrase in self._by_run.get(run.group(), ()):
                end = start + len(phrase)
                if not folded.startswith(phrase, start):
                    continue
                after_is_word = end < size and is_word_char(folded[end])
                if is_word_char(phrase[-1]) != after_is_word:
                    yield phrase, start

    def search(self, text: str) -> bool:
        """Whether any phrase occurs in ``text`` as a whole word."""
        return next(self._matches(text), None) is not None

    def occurrences(self, text: str) -> list[tuple[int, str]]:
        """Every whole-word occurrence in ``text`` as (start, phrase), by start."""
        return [(start, phrase) for phrase, start in self._matches(text)]

    def first_positions(self, text: str) -> dict[str, int]:
        """Each phrase that occurs in ``text`` -> the start of its first occurrence."""
        first: dict[str, int] = {}
        for phrase, start in self._matches(text):
            first.setdefault(phrase, start)
        return first


def _third_person(verb: str) -> str:
    if verb.endswith(("s", "x", "z", "ch", "sh")):
        return verb + "es"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _doubles_final_consonant(verb: str) -> bool:
    return len(verb) > 2 and verb[-1] not in "aeiou" and verb[-2] in "aeiou" and verb[-3] not in "aeiou"


def _past(verb: str) -> str:
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2] not in "aeiou":
        return verb[:-1] + "ied"
    if _doubles_final_consonant(verb):
        return verb + verb[-1] + "ed"
    return verb + "ed"


def _participle(verb: str) -> str:
    if verb.endswith("e") and not verb.endswith("ee"):
        return verb[:-1] + "ing"
    if _doubles_final_consonant(verb):
        return verb + verb[-1] + "ing"
    return verb + "ing"


class Lexicon:
    """Precomputed sets, orders and matchers derived from the official word lists.

    Args:
        words: the official word lists.
        orders: the official set orders of the reproduced run (``PYTHONHASHSEED``).
    """

    def __init__(self, words: dict[str, Any], orders: SetOrders) -> None:
        self.common_verbs: frozenset[str] = frozenset(words["COMMON_VERBS"])
        self.irregular_base: dict[str, str] = {}
        for base, forms in words["IRREGULAR_VERB_FORMS"].items():
            for form in forms:
                self.irregular_base.setdefault(form, base)

        verb_forms: list[str] = []
        for verb in words["COMMON_VERBS"]:
            verb_forms += [verb, _third_person(verb), _past(verb), _participle(verb)]
        for forms in words["IRREGULAR_VERB_FORMS"].values():
            verb_forms += forms
        verb_forms += words["PHRASAL_VERBS"]
        self.verb_forms = PhraseMatcher(verb_forms)
        self.verb_rank: dict[str, int] = {}
        """Folded verb form -> its rank in the order the official patterns are tried."""
        for rank, form in enumerate(orders.verb_forms):
            self.verb_rank.setdefault(fold(form), rank)
        if self.verb_rank.keys() != set(self.verb_forms.phrases):
            raise ValueError("the set orders do not list the verb forms of these word lists")

        self.subject_nouns: list[str] = list(orders.subject_nouns)
        self.subject_nouns_lower: tuple[str, ...] = tuple(dict.fromkeys(n.lower() for n in self.subject_nouns))
        self.subject_synonyms: dict[str, list[str]] = words["SUBJECT_SYNONYMS"]
        self.colors: list[str] = list(words["COLOR_TERMS"])
        self.clothing: list[str] = list(words["CLOTHING_TERMS"])
        self.color_set: frozenset[str] = frozenset(self.colors)
        self.clothing_set: frozenset[str] = frozenset(self.clothing)
        self.descriptive_adjectives: frozenset[str] = frozenset(words["DESCRIPTIVE_ADJECTIVES"])
        self.camera_terms = re.compile("|".join(re.escape(t) for t in dict.fromkeys(words["CAMERA_TERMS"])))

    def normalize_verb(self, word: str) -> str:
        """Best-effort base form of an inflected verb."""
        verb = word.lower()
        if verb in self.irregular_base:
            return self.irregular_base[verb]
        if verb.endswith("ing"):
            if len(verb) > 4 and verb[-4] == verb[-5] and verb[-4] not in "aeiou":
                return verb[:-4]
            if len(verb) > 5 and verb[:-3] + "e" in self.common_verbs:
                return verb[:-3] + "e"
            return verb[:-3]
        if verb.endswith("ed"):
            if len(verb) > 3 and verb[-3] == verb[-4] and verb[-3] not in "aeiou":
                return verb[:-3]
            if verb.endswith("ied") and len(verb) > 3:
                return verb[:-3] + "y"
            if verb[:-2] + "e" in self.common_verbs:
                return verb[:-2] + "e"
            return verb[:-2]
        if verb.endswith("s") and not verb.endswith("ss"):
            if verb.endswith("ies"):
                return verb[:-3] + "y"
            if verb.endswith(("ches", "shes", "sses", "xes", "zes")):
                return verb[:-2]
            return verb[:-1]
        return verb

    def is_potential_verb(self, word: str) -> bool:
        """Whether ``word`` looks like a form of a known verb."""
        lowered = word.lower()
        if lowered in self.common_verbs:
            return True
        if lowered.endswith(("s", "ed", "ing")) and self.normalize_verb(lowered) in self.common_verbs:
            return True
        return lowered in self.irregular_base

    def contains_verb(self, text: str) -> bool:
        """Whether ``text`` contains a base verb word or any verb form as a whole word."""
        if any(word in self.common_verbs for word in text.lower().split()):
            return True
        return self.verb_forms.search(text)
