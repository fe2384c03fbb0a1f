"""Core verbs of action phrases and when two verbs count as the same action.

The official comparison boosts the similarity of two actions whose core verbs are equal,
or related through its camera-motion vocabulary, a few hand-written synonym pairs or
WordNet. :class:`VerbAnalyzer` holds those rules; its answers are pure functions of the
strings, memoised for the lifetime of the analyzer (one scoring call).

The rules read only WordNet's verbs, so :class:`WordNetVerbs` loads just ``index.verb``,
``verb.exc`` and the ``data.verb`` lines it is asked about, once per process and on first
use: the same answers as NLTK's ``WordNetLemmatizer().lemmatize(word, "v")`` and
``wordnet.synsets(word, pos="v")`` (tested against them) at a fraction of NLTK's
whole-WordNet load.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from favor_hf.resources import ensure_nltk_resources

CAMERA_VOCABULARY: dict[str, frozenset[str]] = {
    "shake": frozenset({"shakes", "vibrates", "unstable", "trembles", "wobbles", "shakily", "shake", "shaky"}),
    "pan": frozenset(
        {
            "panning",
            "moves horizontally",
            "moves left to right",
            "moves right to left",
            "pans",
            "pan",
            "panning shot",
            "pan left",
            "pan right",
            "pan upward",
            "pan downward",
            "right pan",
            "left pan",
        }
    ),
    "tilt": frozenset(
        {
            "tilting",
            "moves vertically",
            "moves up and down",
            "moves up to down",
            "moves down to up",
            "tilts",
            "tilt",
            "tilt down",
            "tilt up",
            "upward tilt",
            "downward tilt",
        }
    ),
    "zoom": frozenset({"zooms", "zooms in", "zooms out", "magnifies", "reduces", "zoom", "zoom in", "zoom out"}),
    "follow": frozenset({"follows", "tracks", "pursues", "maintains focus on", "following"}),
    "steady": frozenset({"stable", "stationary", "fixed", "still", "doesn't move", "steadily", "steady", "stabilized"}),
    "dolly": frozenset(
        {
            "dollies",
            "moves forward",
            "moves backward",
            "approaches",
            "retreats",
            "dolly",
            "dolly in",
            "dolly out",
            "forward dolly",
            "backward dolly",
            "left dolly",
            "right dolly",
            "forward dolly movement",
        }
    ),
    "truck": frozenset({"trucks", "moves sideways", "slides", "shifts laterally", "truck right", "truck left"}),
    "pedestal": frozenset({"pedestals", "moves up", "moves down", "rises", "lowers"}),
    "arc": frozenset({"arcs", "circles", "curves around", "orbits", "rotating shot", "rotating camera movement"}),
    "upward": frozenset(
        {
            "up",
            "higher",
            "rising",
            "ascending",
            "upwards motion",
            "upward camera movement",
            "upward-right camera movement",
            "upward-left camera movement",
        }
    ),
    "downward": frozenset(
        {
            "down",
            "lower",
            "falling",
            "descending",
            "downwards motion",
            "downward camera movement",
            "downward-left camera movement",
            "downward-right camera movement",
        }
    ),
    "rightward": frozenset({"right", "to the right", "rightwards", "rightward motion", "rightward camera movement"}),
    "leftward": frozenset({"left", "to the left", "leftwards", "leftward motion", "leftward camera movement"}),
    "camera_motion": frozenset(
        {
            "camera",
            "cam",
            "scene transition",
            "shifts",
            "moves",
            "movement",
            "capture",
            "filming",
            "recording",
            "videographer",
            "cinematographer",
            "cinematography",
            "shot",
            "angle",
            "perspective",
            "frame",
            "focus",
            "unstabilized",
            "cuts",
            "transitions",
            "framing",
            "close-up",
            "medium shot",
            "long shot",
            "wide shot",
            "tracking shot",
            "handheld",
            "scene",
            "background",
            "foreground",
            "video",
            "clip",
            "footage",
            "sequence",
            "view",
            "frames",
            "filmed",
            "recorded",
            "captured",
            "moving",
            "push forward",
            "pull back",
            "push in",
            "pull out",
            "upper left",
            "lower left",
            "upper right",
            "lower right",
            "backward motion",
            "forward movement",
            "backward camera movement",
            "forward camera movement",
            "alternates between light and dark",
            "scene becomes clear",
            "screen turns black",
            "screen darkens",
            "screen brightens",
            "image blurs",
            "forward push",
            "backward pull",
            "upper-left camera movement",
            "lower-left camera movement",
            "lower-right camera movement",
            "upper-right camera movement",
        }
    ),
}
"""The official domain knowledge: a camera-motion concept -> its surface forms."""

ACTION_SYNONYMS: dict[str, frozenset[str]] = {
    "interact": frozenset({"use", "operate", "handle", "work", "manipulate"}),
    "type": frozenset({"key", "press keys", "input", "keyboard", "write"}),
    "place": frozenset({"put", "set", "position", "lay", "rest", "locate"}),
    "sit": frozenset({"seat", "settle", "perch", "take a seat"}),
    "begin": frozenset({"start", "commence", "initiate", "get going"}),
    "look": frozenset({"watch", "view", "observe", "see", "gaze", "stare"}),
    "walk": frozenset({"move", "go", "proceed", "step", "stride"}),
    "hold": frozenset({"grasp", "grip", "clutch", "keep", "maintain"}),
}
"""Hand-written verb synonyms of the official scorer."""

SYNONYM_VERB_PAIRS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in [
        ("interact", "use"),
        ("interact", "type"),
        ("type", "keyboard"),
        ("begin", "start"),
        ("position", "place"),
        ("put", "place"),
        ("sit", "seat"),
        ("walk", "move"),
        ("look", "watch"),
    ]
)
"""Verb pairs the official scorer treats as synonyms outright."""


def camera_synonyms(word: str) -> set[str]:
    """Surface forms sharing a camera-motion concept with ``word`` (plus the concept name)."""
    word = word.lower()
    related: set[str] = set()
    for concept, forms in CAMERA_VOCABULARY.items():
        if word == concept:
            related |= forms
        elif word in forms:
            related.add(concept)
            related |= forms - {word}
    return related


def camera_related(first: str, second: str) -> bool:
    """True when two words name the same camera-motion concept (official domain relation)."""
    first, second = first.lower(), second.lower()
    first_related = camera_synonyms(first)
    if second in first_related:
        return True
    second_related = camera_synonyms(second)
    return first in second_related or bool(first_related & second_related)


class WordNetVerbs:
    """The verb part of WordNet: lemmas (NLTK's morphy rules) and synsets as byte offsets.

    Args:
        root: an NLTK path pointer to the ``corpora/wordnet`` directory (or zip).
    """

    def __init__(self, root: Any) -> None:
        from nltk.corpus.reader.wordnet import WordNetCorpusReader

        self._root = root
        self._rules: list[tuple[str, str]] = WordNetCorpusReader.MORPHOLOGICAL_SUBSTITUTIONS["v"]
        self._offsets: dict[str, list[int]] = {}
        with root.join("index.verb").open(encoding="utf8") as lines:
            for line in lines:
                if line.startswith(" "):
                    continue
                fields = line.split()
                synset_count, pointer_count = int(fields[2]), int(fields[3])
                self._offsets[fields[0]] = [
                    int(offset) for offset in fields[6 + pointer_count : 6 + pointer_count + synset_count]
                ]
        with root.join("verb.exc").open(encoding="utf8") as lines:
            self._exceptions = {fields[0]: fields[1:] for fields in map(str.split, lines) if fields}
        self._names: dict[int, list[str]] = {}
        self._data: bytes | None = None

    def base_forms(self, form: str) -> list[str]:
        """Verb lemmas ``form`` may inflect, in NLTK's ``_morphy`` order (exceptions, else suffix rules)."""
        if form in self._exceptions:
            candidates = self._exceptions[form]
        else:
            candidates = [form[: -len(old)] + new for old, new in self._rules if form.endswith(old)]
        return list(dict.fromkeys(word for word in [form, *candidates] if word in self._offsets))

    def lemma(self, word: str) -> str:
        """The shortest verb lemma of ``word``, or ``word`` when WordNet does not know it."""
        forms = self.base_forms(word)
        return min(forms, key=len) if forms else word

    def synsets(self, word: str) -> list[int]:
        """Byte offsets in ``data.verb`` of the verb synsets of ``word`` (lower-cased, as NLTK does)."""
        return [offset for form in self.base_forms(word.lower()) for offset in self._offsets[form]]

    def lemma_names(self, offset: int) -> list[str]:
        """The lemma names of the verb synset at ``offset`` of ``data.verb`` (read once, on first use)."""
        if offset not in self._names:
            if self._data is None:
                with self._root.join("data.verb").open() as data:
                    self._data = data.read()
            line = self._data[offset : self._data.find(b"\n", offset)].decode("utf-8")
            fields = line.split("|")[0].split()
            if not line.startswith(f"{offset:08d} ") or len(fields) < 4:
                raise ValueError(f"data.verb of {self._root}: no synset at byte offset {offset}")
            count = int(fields[3], 16)
            self._names[offset] = [fields[4 + 2 * i] for i in range(count)]
        return self._names[offset]


@functools.cache
def wordnet_verbs() -> WordNetVerbs:
    """The process-wide :class:`WordNetVerbs` of the NLTK data's ``corpora/wordnet``."""
    ensure_nltk_resources(("wordnet",))
    import nltk.data

    return WordNetVerbs(nltk.data.find("corpora/wordnet"))


class VerbAnalyzer:
    """Core-verb extraction and verb relatedness with NLTK, memoised per instance.

    Args:
        motion_verbs: verbs preferred as the core verb (the official ``COMMON_VERBS`` and
            ``PHRASAL_VERBS`` word lists).
    """

    def __init__(self, motion_verbs: Iterable[str]) -> None:
        ensure_nltk_resources()
        import nltk

        self._nltk = nltk
        self._wordnet = wordnet_verbs()
        self._motion_verbs = frozenset(motion_verbs)
        self._core_verbs: dict[str, str] = {}
        self._relations: dict[tuple[str, str], bool] = {}
        self._synonyms: dict[str, set[str]] = {}

    @classmethod
    @functools.lru_cache(maxsize=4)
    def shared(cls, motion_verbs: tuple[str, ...]) -> VerbAnalyzer:
        """One analyzer per verb list and process, so that its memos serve every later call
        (what it computes depends only on the text, the verb list and the NLTK data)."""
        return cls(motion_verbs)

    def lemma(self, word: str) -> str:
        """WordNet verb lemma of ``word`` (the word itself when WordNet does not know it)."""
        return self._wordnet.lemma(word)

    def core_verb(self, text: str) -> str:
        """The action's core verb: first tagged verb in the motion-verb list, else the first
        tagged verb, else a noun that lemmatises to a motion verb, else the first token."""
        if text not in self._core_verbs:
            self._core_verbs[text] = self._find_core_verb(text)
        return self._core_verbs[text]

    def _find_core_verb(self, text: str) -> str:
        tokens = self._nltk.word_tokenize(text.lower())
        tagged = self._nltk.pos_tag(tokens)
        verbs = [self.lemma(word) for word, tag in tagged if tag.startswith("VB")]
        for verb in verbs:
            if verb in self._motion_verbs:
                return verb
        if verbs:
            return verbs[0]
        for word, tag in tagged:
            if tag.startswith("NN") and self.lemma(word) in self._motion_verbs:
                return self.lemma(word)
        return tokens[0] if tokens else ""

    def related(self, first: str, second: str) -> bool:
        """True when the official verb similarity of two different core verbs exceeds 0.8.

        That similarity is 1.0 for equal lemmas, 0.95 for a camera-vocabulary relation,
        0.9 for hand-written or WordNet synonyms, and otherwise the best WordNet path
        similarity of their verb synsets, which exceeds 0.8 only for a shared synset.
        """
        key = (first, second)
        if key not in self._relations:
            self._relations[key] = self._related(self.lemma(first.lower()), self.lemma(second.lower()))
        return self._relations[key]

    def _related(self, first: str, second: str) -> bool:
        if first == second or camera_related(first, second):
            return True
        if frozenset((first, second)) in SYNONYM_VERB_PAIRS:
            return True
        if first in self._verb_synonyms(second) or second in self._verb_synonyms(first):
            return True
        return bool(set(self._wordnet.synsets(first)).intersection(self._wordnet.synsets(second)))

    def _verb_synonyms(self, verb: str) -> set[str]:
        if verb not in self._synonyms:
            synonyms = set(ACTION_SYNONYMS.get(verb, ())) | camera_synonyms(verb)
            for offset in self._wordnet.synsets(verb):
                synonyms.update(name.lower() for name in self._wordnet.lemma_names(offset))
            self._synonyms[verb] = synonyms
        return self._synonyms[verb]
