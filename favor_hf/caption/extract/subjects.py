"""Subject mentions of a caption: find them, read their attributes, group co-references."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from favor_hf.caption.extract.camera import remove_camera_parts
from favor_hf.caption.extract.lexicon import Lexicon, compiled, fold, is_word_char

_I = re.IGNORECASE
_PUNCT = re.compile(r"[.,;:]")
_CONNECTORS = [re.compile(rf"\b{c}\b", _I) for c in ("and", "while", "then", "as", "but", "or")]
_ATTRIBUTE_MARKERS = [
    re.compile(rf"^\s*{m}\s+")
    for m in (
        r"\bwith\b",
        r"\bin\b",
        r"\bwearing\b",
        r"\bholding\b",
        r"\bcarrying\b",
        r"\bwho\s+is\b",
        r"\bdressed\s+in\b",
        r"\bhaving\b",
        r"\bclad\s+in\b",
        r"\bequipped\s+with\b",
        r"\bfeaturing\b",
        r"\bdisplaying\b",
    )
]
_SCENE_WORDS = (
    "video sequence begins with",
    "video shows",
    "video begins with",
    "the scene shows",
    "in the scene",
    "in the video",
    "in the frame",
    "appears to be",
    "what appears to be",
)
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "and", "or"}
# (pattern, prefix of the attribute text, group that follows the prefix)
_ATTRIBUTE_PATTERNS = [
    (re.compile(p, _I), prefix)
    for p, prefix in (
        (r"wearing\s+([^.,;:?!]+)", "wearing "),
        (r"dressed\s+in\s+([^.,;:?!]+)", "dressed in "),
        (r"holding\s+([^.,;:?!]+)", "holding "),
        (r"carrying\s+([^.,;:?!]+)", "carrying "),
        (r"with\s+([^.,;:?!]+)", "with "),
        (r"in\s+([^.,;:?!]+(?:shirt|dress|jacket|uniform|clothing|clothes|outfit))", "in "),
        (r"in\s+([^.,;:?!]+)", "in "),
        (r",\s+([^.,;:?!]*(?:wearing|dressed|holding|carrying|with)[^.,;:?!]*)", ""),
    )
]
_ACTION_VERBS = re.compile(
    r"\b(?:walks|runs|jumps|sits|stands|moves|turns|looks|stares|gazes|speaks|talks|says|reaches|grabs|takes"
    r"|puts|places|throws|gestures|smiles|frowns|laughs|cries)\b"
)
_ING_VERBS = [
    re.compile(rf"\b{v}\b")
    for v in (
        "walking",
        "running",
        "jumping",
        "sitting",
        "standing",
        "looking",
        "speaking",
        "talking",
        "reaching",
        "grabbing",
        "taking",
        "putting",
        "placing",
        "gesturing",
        "smiling",
        "frowning",
        "laughing",
        "crying",
    )
]
_ATTRIBUTE_PREFIXES = ("with ", "in ", "having ", "featuring ", "displaying ")
_CLOTHING_REWRITES = {
    "dressed in a": "wearing a",
    "dressed in the": "wearing the",
    "clad in a": "wearing a",
    "clad in the": "wearing the",
}
_APPEARANCE_WORDS = ("wearing", "dressed", "holding", "carrying", "with", "glasses", "shirt", "hat")
_AGE_WORDS = ["young", "old", "elderly", "middle-aged"]
_AGE_TERMS = frozenset({"young", "old", "older", "elderly", "middle-aged", "teenage", "adult"})
_HAIR_TERMS = frozenset({"black-haired", "blonde", "white-haired", "gray-haired", "red-haired", "bald"})
_ATTRIBUTE_STOPWORDS = frozenset({"in", "with", "a", "an", "the", "and", "of", "on", "at", "by", "to", "for", "who"})
_NOUN_START_CHARS = " \t\n.,;:?!()[]{}\"'"
_PRONOUN_SUBJECTS = (
    ("man", ("he", "him", "his")),
    ("woman", ("she", "her", "hers")),
    ("people", ("they", "them", "their")),
)
_GENERIC_NOUNS = ("characters", "individuals", "subjects")


@dataclass
class SubjectRef:
    """One mention of a subject in one sentence (character offsets into that sentence)."""

    noun: str
    attributes: str
    start: int
    end: int
    sentence: int = 0


@dataclass
class Subject:
    """A subject: its noun, attributes, mentions and the actions attributed to it."""

    noun: str
    attributes: str
    refs: list[SubjectRef]
    actions: list[str] = field(default_factory=list)


def attribute_boundary(lexicon: Lexicon, text: str) -> int:
    """Where the attribute phrase at the start of ``text`` ends.

    The official code stops at the earliest of: punctuation, the first connector of a fixed
    list, and the first occurrence of the verb form whose pattern it tries first, in the
    set order of the reproduced hash seed (``lexicon.verb_rank``).
    """
    punct = _PUNCT.search(text)
    base = punct.start() if punct else len(text)
    for connector in _CONNECTORS:
        match = connector.search(text)
        if match:
            base = min(base, match.start())
            break
    found = lexicon.verb_forms.first_positions(text)
    if not found:
        return base
    return min(base, found[min(found, key=lexicon.verb_rank.__getitem__)])


class _SuffixBoundaries:
    """``attribute_boundary`` of suffixes of one sentence, from one scan of the sentence.

    ``at(offset)`` equals ``attribute_boundary(lexicon, text[offset:])``: a whole-word match
    at or after ``offset`` is the same in the suffix as in the sentence when the character
    before ``offset`` is not a word character (otherwise the suffix is scanned directly).
    """

    def __init__(self, lexicon: Lexicon, text: str) -> None:
        self.lexicon, self.text = lexicon, text
        self._scanned = False

    def _scan(self) -> None:
        self._connectors = [[m.start() for m in c.finditer(self.text)] for c in _CONNECTORS]
        occurrences = self.lexicon.verb_forms.occurrences(self.text)
        self._starts = [start for start, _ in occurrences]
        # first_verb[i]: (rank, start) of the first-tried verb form among occurrences[i:], at
        # its first occurrence there
        self._first_verb: list[tuple[int, int] | None] = [None] * (len(occurrences) + 1)
        for i in range(len(occurrences) - 1, -1, -1):
            start, phrase = occurrences[i]
            candidate = (self.lexicon.verb_rank[phrase], start)
            later = self._first_verb[i + 1]
            self._first_verb[i] = candidate if later is None or candidate[0] <= later[0] else later
        self._scanned = True

    def at(self, offset: int) -> int:
        text = self.text
        if offset and is_word_char(text[offset - 1]):
            return attribute_boundary(self.lexicon, text[offset:])
        if not self._scanned:
            self._scan()
        punct = _PUNCT.search(text, offset)
        base = (punct.start() if punct else len(text)) - offset
        for starts in self._connectors:
            i = bisect_left(starts, offset)
            if i < len(starts):
                base = min(base, starts[i] - offset)
                break
        verb = self._first_verb[bisect_left(self._starts, offset)]
        return base if verb is None else min(base, verb[1] - offset)


def _complete_subject(boundaries: _SuffixBoundaries, start: int, noun: str) -> tuple[str, int]:
    """The subject phrase starting at ``start`` (noun plus trailing attributes) and its end."""
    text = boundaries.text
    noun_pos = text[start:].lower().find(noun.lower())
    if noun_pos == -1:
        return text[start : start + len(noun)].strip(), start + len(noun)
    basic_end = start + noun_pos + len(noun)
    remaining = text[basic_end:].lstrip()
    phrase = text[start:basic_end]
    end = basic_end
    for marker in _ATTRIBUTE_MARKERS:
        if not marker.search(remaining):
            continue
        attr_end = boundaries.at(len(text) - len(remaining))
        if attr_end > 0:
            attribute = remaining[:attr_end].strip()
            remaining = remaining[attr_end:].lstrip()
        else:
            punct = _PUNCT.search(remaining)
            if not punct:
                continue
            attribute = remaining[: punct.start()].strip()
        phrase += " " + attribute
        end += len(attribute) + 1
    return phrase.strip(), end


def contains_action_verb(text: str) -> bool:
    """Whether ``text`` has an action verb (an -ing form counts unless it follows a/an/the)."""
    lowered = text.lower()
    if _ACTION_VERBS.search(lowered):
        return True
    for pattern in _ING_VERBS:
        match = pattern.search(lowered)
        if match and not lowered[max(0, match.start() - 4) : match.start()].endswith(("the ", "a ", "an ")):
            return True
    return False


def normalize_attribute(attribute: str) -> str:
    """Canonical form of one attribute, for spotting duplicates."""
    if not attribute:
        return ""
    normalized = attribute.lower().strip()
    for prefix in _ATTRIBUTE_PREFIXES:
        if normalized.startswith(prefix):
            normalized = normalized[len(prefix) :].strip()
            break
    for phrase, replacement in _CLOTHING_REWRITES.items():
        if normalized.startswith(phrase):
            normalized = normalized.replace(phrase, replacement, 1)
    return normalized.strip()


def _unique_attributes(parts: list[str]) -> str:
    kept: list[str] = []
    seen: set[str] = set()
    for part in parts:
        normalized = normalize_attribute(part)
        if normalized and normalized not in seen:
            kept.append(part)
            seen.add(normalized)
    return ", ".join(kept)


def subject_attributes(description: str, noun: str) -> str:
    """Appearance attributes (adjectives before the noun, wearing/holding/with phrases)."""
    desc = description.lower().strip()
    for article in ("the ", "a ", "an "):
        if desc.startswith(article):
            desc = desc[len(article) :]
            break
    for indicator in _SCENE_WORDS:
        if indicator in desc:
            desc = desc.replace(indicator, "").strip()
    attributes: list[str] = []
    before = compiled(rf"(.*?)\b{re.escape(noun.lower())}\b").search(desc)
    if before:
        words = [w for w in before.group(1).strip().split()[-3:] if w.lower() not in _DETERMINERS]
        if words:
            attributes.append(" ".join(words))
    for pattern, prefix in _ATTRIBUTE_PATTERNS:
        for match in pattern.finditer(desc):
            attribute = prefix + match.group(1).strip()
            if not contains_action_verb(attribute):
                attributes.append(attribute)
    combined = ", ".join(a for a in attributes if a)
    return _unique_attributes([p.strip() for p in combined.split(",")])


def _add_subject(boundaries: _SuffixBoundaries, match: re.Match[str], noun: str, found: list[SubjectRef]) -> None:
    if any(ref.start <= match.start() < ref.end for ref in found):
        return
    description, end = _complete_subject(boundaries, match.start(), noun)
    found.append(SubjectRef(noun, subject_attributes(description, noun), match.start(), end))


def find_subjects(lexicon: Lexicon, sentence: str) -> list[SubjectRef]:
    """Subject mentions in one sentence, ordered by position.

    Nouns are tried longest first ("tennis player" before "player"); a mention starting
    inside an earlier mention is skipped.
    """
    lowered = sentence.lower()
    if not any(noun in lowered for noun in lexicon.subject_nouns_lower):
        return []
    nouns = [noun for noun in lexicon.subject_nouns if noun in lowered]
    colors = [color for color in lexicon.colors if color in lowered]
    boundaries = _SuffixBoundaries(lexicon, sentence)
    found: list[SubjectRef] = []
    for noun in nouns:
        for color in colors:
            for pattern in (
                (
                    rf"\b(?:A|An|The|a|an|the)?\s*{noun}\s+in\s+{color}\s+"
                    r"(?:clothing|clothes|outfit|shirt|dress|suit|jacket|pants|top)\b"
                ),
                rf"\b(?:A|An|The|a|an|the)?\s*{color}(?:-clothed|-dressed)?\s+{noun}\b",
            ):
                for match in compiled(pattern, _I).finditer(sentence):
                    _add_subject(boundaries, match, noun, found)
    for noun in nouns:
        for pattern in (
            rf"\b(?:A|An|The|a|an|the)\s+(?:[a-z]+[-\s]+)*{noun}\b",
            rf"\b(?:This|That|These|Those|this|that|these|those)\s+(?:[a-z]+[-\s]+)*{noun}\b",
            rf"\b(?:[A-Z][a-z]+\s+)+{noun}\b",
        ):
            for match in compiled(pattern, _I).finditer(sentence):
                _add_subject(boundaries, match, noun, found)
        for match in compiled(rf"\b{noun}\b", _I).finditer(sentence):
            if match.start() > 0 and sentence[match.start() - 1] not in _NOUN_START_CHARS:
                continue
            _add_subject(boundaries, match, noun, found)
    found.sort(key=lambda ref: ref.start)
    return found


def _same_noun(lexicon: Lexicon, noun1: str, noun2: str) -> bool:
    if noun1 == noun2:
        return True
    for base, synonyms in lexicon.subject_synonyms.items():
        if (noun1 == base or noun1 in synonyms) and (noun2 == base or noun2 in synonyms):
            return True
    return (noun1 in noun2 and noun2.endswith(noun1)) or (noun2 in noun1 and noun1.endswith(noun2))


def _words_of(attributes: str) -> set[str]:
    words = (word.strip(" ,.;:") for word in attributes.lower().split())
    return {word for word in words if word not in _ATTRIBUTE_STOPWORDS}


def _consistent(lexicon: Lexicon, attrs1: str, attrs2: str) -> bool:
    words1, words2 = _words_of(attrs1), _words_of(attrs2)
    for terms in (lexicon.color_set, _AGE_TERMS, _HAIR_TERMS, lexicon.clothing_set):
        terms1, terms2 = words1 & terms, words2 & terms
        if terms1 and terms2 and not terms1 & terms2:
            return False
    return True


def _same_subject(lexicon: Lexicon, ref1: SubjectRef, ref2: SubjectRef) -> bool:
    if not _same_noun(lexicon, ref1.noun, ref2.noun):
        return False
    attr1, attr2 = ref1.attributes.lower(), ref2.attributes.lower()
    colors1 = {c for c in lexicon.colors if f" {c} " in f" {attr1} " or attr1.startswith(f"{c} ")}
    colors2 = {c for c in lexicon.colors if f" {c} " in f" {attr2} " or attr2.startswith(f"{c} ")}
    if colors1 and colors2 and not colors1 & colors2:
        return False
    clothes1 = {c for c in lexicon.clothing if f" {c} " in f" {attr1} " or attr1.endswith(f" {c}")}
    clothes2 = {c for c in lexicon.clothing if f" {c} " in f" {attr2} " or attr2.endswith(f" {c}")}
    if colors1 and clothes1 and colors2 and clothes2:
        return colors1 == colors2
    marked = ("in" in attr1 and colors1 and clothes1) or ("in" in attr2 and colors2 and clothes2)
    if marked and colors1 != colors2:
        return False
    return _consistent(lexicon, ref1.attributes, ref2.attributes)


def group_references(lexicon: Lexicon, refs: list[SubjectRef]) -> list[list[SubjectRef]]:
    """Group mentions of the same subject (same noun or synonym, no conflicting attributes)."""
    groups: list[list[SubjectRef]] = []
    grouped: set[int] = set()
    for i, ref in enumerate(refs):
        if i in grouped:
            continue
        group = [ref]
        grouped.add(i)
        for j, other in enumerate(refs):
            if j not in grouped and _same_subject(lexicon, ref, other):
                group.append(other)
                grouped.add(j)
        groups.append(group)
    return groups


def best_attributes(lexicon: Lexicon, refs: list[SubjectRef]) -> str:
    """The most descriptive attribute string among a subject's mentions."""
    tiers = (
        [r for r in refs if any(w in r.attributes.lower() for w in _APPEARANCE_WORDS)],
        [r for r in refs if any(w in r.attributes.lower() for w in lexicon.colors + _AGE_WORDS)],
        [r for r in refs if r.attributes],
    )
    for tier in tiers:
        if tier:
            longest = max(tier, key=lambda r: len(r.attributes))
            return _unique_attributes([p.strip() for p in longest.attributes.split(",")])
    return ""


def subjects_from_refs(lexicon: Lexicon, refs: list[SubjectRef]) -> dict[str, Subject]:
    """Number the groups of mentions as "Subject N" (a generic plural noun yields to others)."""
    groups = group_references(lexicon, refs)
    subjects: dict[str, Subject] = {}
    for i, group in enumerate(groups):
        if group[0].noun.lower() in _GENERIC_NOUNS and len(groups) > 1:
            continue
        subjects[f"Subject {i + 1}"] = Subject(group[0].noun, best_attributes(lexicon, group), group)
    return subjects


def _generic_ref(noun: str) -> SubjectRef:
    return SubjectRef(noun, "", 0, len(noun), 0)


def generic_subjects(
    lexicon: Lexicon, sentences: list[str], camera_texts: list[str]
) -> tuple[dict[str, Subject], list[SubjectRef]]:
    """Fallback subjects: "<noun> in <color> <clothing>" mentions, else one per pronoun kind."""
    subjects: dict[str, Subject] = {}
    refs: list[SubjectRef] = []
    for index, sentence in enumerate(sentences):
        folded = fold(sentence)
        colors = [c for c in lexicon.colors if c in folded]
        clothing = [c for c in lexicon.clothing if c in folded]
        if not colors or not clothing:
            continue
        for noun in lexicon.subject_nouns:
            if fold(noun) not in folded or not compiled(rf"\b(?:a|an|the)\s+{noun}\s+in\s+", _I).search(sentence):
                continue
            for color in colors:
                for cloth in clothing:
                    pattern = compiled(rf"\b(?:a|an|the)\s+{noun}\s+in\s+{color}\s+{cloth}\b", _I)
                    for match in pattern.finditer(sentence):
                        ref = SubjectRef(noun, f"in {color} {cloth}", match.start(), match.end(), index)
                        subjects[f"Subject {len(subjects) + 1}"] = Subject(noun, ref.attributes, [ref])
                        refs.append(ref)
    if subjects:
        return subjects, refs
    counts = [0] * len(_PRONOUN_SUBJECTS)
    for sentence in sentences:
        clean = remove_camera_parts(sentence, camera_texts)
        if not clean.strip():
            continue
        for k, (_, pronouns) in enumerate(_PRONOUN_SUBJECTS):
            counts[k] += sum(len(compiled(rf"\b{p}\b", _I).findall(clean)) for p in pronouns)
    order = sorted(range(len(_PRONOUN_SUBJECTS)), key=lambda k: counts[k], reverse=True)
    nouns = [_PRONOUN_SUBJECTS[k][0] for k in order if counts[k] > 0] or ["person"]
    for noun in nouns:
        ref = _generic_ref(noun)
        subjects[f"Subject {len(subjects) + 1}"] = Subject(noun, "", [ref])
        refs.append(ref)
    return subjects, refs
