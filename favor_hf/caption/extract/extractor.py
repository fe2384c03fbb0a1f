"""Step 1 of the FAVOR LLM-free caption metric: free-form caption -> annotation structure.

A caption is split into sentences; camera-motion clauses are taken out; subject mentions
are found and grouped; actions are attributed to subjects in caption order. The output
has the fields and string formats of the FAVOR annotations and of the official step-1
notebook (``parse_video_caption``), which this module reimplements:

    >>> from favor_hf.caption.extract.extractor import extract_caption
    >>> extract_caption("The camera pans left. A man walks to the door and opens it.")
    {'camera_motion': 'Camera pans left', 'num_subjects': 'Single subject',
     'motion_list': 'Subject 1: Man [walks to the door, opens it]',
     'chronological_motion_list': 'walks to the door (Subject 1), opens it (Subject 1)'}

The official code iterates over two Python sets, so its output depends on
``PYTHONHASHSEED``. This implementation takes the orders of a chosen seed
(``official_hash_seed``, default 0; see :mod:`favor_hf.caption.extract.set_orders`) and so equals
the official run under that seed, whatever this process's own hash seed.
"""

from __future__ import annotations

import os
from typing import Any

from nltk import pos_tag, sent_tokenize, word_tokenize

from favor_hf.caption.extract.actions import ActionExtractor
from favor_hf.caption.extract.camera import find_camera_motions, remove_camera_parts
from favor_hf.caption.extract.lexicon import Lexicon
from favor_hf.caption.extract.set_orders import DEFAULT_HASH_SEED, official_set_orders
from favor_hf.caption.extract.subjects import (
    SubjectRef,
    find_subjects,
    generic_subjects,
    subjects_from_refs,
)
from favor_hf.resources import ensure_nltk_resources, load_word_lists

EXTRACTION_FIELDS = ("camera_motion", "num_subjects", "motion_list", "chronological_motion_list")
"""Keys of an extraction, in the order of the FAVOR annotations."""


class CaptionExtractor:
    """Turns a free-form caption into the FAVOR annotation fields.

    Args:
        word_lists: the official word lists (``favor_hf.resources.load_word_lists()``);
            loaded from ``dictionary_path`` (or the default location) when omitted.
        dictionary_path: where to read the word lists from when ``word_lists`` is omitted.
        official_hash_seed: the ``PYTHONHASHSEED`` of the official run to reproduce.

    Everything derived from the word lists is computed once here; a call keeps no state,
    so a caption's extraction depends only on that caption.
    """

    def __init__(
        self,
        word_lists: dict[str, Any] | None = None,
        dictionary_path: str | os.PathLike[str] | None = None,
        official_hash_seed: int = DEFAULT_HASH_SEED,
    ) -> None:
        ensure_nltk_resources(("punkt_tab", "averaged_perceptron_tagger_eng"))
        words = word_lists if word_lists is not None else load_word_lists(dictionary_path)
        self.lexicon = Lexicon(words, official_set_orders(words, official_hash_seed))
        pos_tag(word_tokenize("Load the tokenizer and tagger now."))  # so the first caption is not slow

    def __call__(self, caption: str) -> dict[str, str]:
        """Extract ``camera_motion``, ``num_subjects``, ``motion_list`` and ``chronological_motion_list``."""
        if not isinstance(caption, str):
            raise TypeError(f"caption must be a string, got {type(caption).__name__}: {caption!r:.80}")
        lexicon = self.lexicon
        sentences = sent_tokenize(caption)
        motions: list[str] = []
        camera_texts: list[str] = []
        for sentence in sentences:
            sentence_motions, sentence_texts = find_camera_motions(lexicon, sentence)
            motions += sentence_motions
            camera_texts += sentence_texts

        actions = ActionExtractor(lexicon)
        refs = self._subject_refs(sentences, camera_texts, actions)
        subjects = subjects_from_refs(lexicon, refs)
        timeline = actions.all_actions(sentences, subjects, refs, camera_texts)
        if not subjects:
            subjects, refs = generic_subjects(lexicon, sentences, camera_texts)
            timeline = actions.all_actions(sentences, subjects, refs, camera_texts)

        return {
            "camera_motion": ", ".join(motions),
            "num_subjects": "Single subject" if len(subjects) == 1 else f"Multiple subjects ({len(subjects)})",
            "motion_list": "\n".join(
                f"{sid}: {subject.noun.capitalize()} [{', '.join(subject.actions)}]"
                for sid, subject in subjects.items()
            ),
            "chronological_motion_list": ", ".join(f"{action} ({sid})" for action, sid in timeline),
        }

    def _subject_refs(
        self, sentences: list[str], camera_texts: list[str], actions: ActionExtractor
    ) -> list[SubjectRef]:
        """Subject mentions of every sentence, with and without its camera clauses."""
        refs: list[SubjectRef] = []
        seen: set[tuple[int, int]] = set()
        for index, sentence in enumerate(sentences):
            clean = remove_camera_parts(sentence, camera_texts)
            for text in (sentence, clean) if clean != sentence else (sentence,):
                if not text.strip() or actions.is_scene_description(text):
                    continue
                for ref in find_subjects(self.lexicon, text):
                    ref.sentence = index
                    if (index, ref.start) not in seen:
                        seen.add((index, ref.start))
                        refs.append(ref)
        return refs


_EXTRACTORS: list[tuple[dict[str, Any] | None, str | None, int, CaptionExtractor]] = []


def extract_caption(
    caption: str,
    word_lists: dict[str, Any] | None = None,
    dictionary_path: str | os.PathLike[str] | None = None,
    official_hash_seed: int = DEFAULT_HASH_SEED,
) -> dict[str, str]:
    """Extract one caption with a cached :class:`CaptionExtractor` (see its docs)."""
    path = str(dictionary_path) if dictionary_path else None
    for lists, cached_path, seed, extractor in _EXTRACTORS:
        if lists is word_lists and cached_path == path and seed == official_hash_seed:
            return extractor(caption)
    extractor = CaptionExtractor(word_lists, path, official_hash_seed)
    _EXTRACTORS.append((word_lists, path, official_hash_seed, extractor))
    return extractor(caption)
