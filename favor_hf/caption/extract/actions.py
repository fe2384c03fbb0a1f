"""Action phrases of a caption, attributed to subjects in the order they happen.

``ActionExtractor`` lives for one caption. It keeps the official scorer's per-caption
memos, which are keyed by the first 50 characters of a text (so two texts sharing that
prefix share a result) and hand out the same list object on a hit: both quirks change
the official output and are kept on purpose.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from nltk import pos_tag, word_tokenize

from favor_hf.caption.extract.camera import remove_camera_parts
from favor_hf.caption.extract.lexicon import Lexicon, fold
from favor_hf.caption.extract.subjects import Subject, SubjectRef

_I = re.IGNORECASE
_WHITESPACE = re.compile(r"\s+")
_LEADING_CONJ = re.compile(r"^(?:and|but|or|then|also|so)\s+")
_TRAILING_PUNCT = re.compile(r"[,;.]+$")
_MIDDLE_PUNCT = re.compile(r"[,;]")
_END_CONJ = re.compile(r"\s+(?:while|as|when|and|but|or|after|before|since|because)$")
_CONNECTORS = [
    re.compile(rf"\s+{c}\s+")
    for c in ("while", "as", "when", "and", "but", "or", "after", "before", "since", "because")
]
_PASSIVE = re.compile(
    r"(?:is|was|are|were)\s+\w+ed|(?:is|was)\s+being\s+\w+ed|(?:has|have|had)\s+been\s+\w+ed|(?:is|was|are|were)\s+\w+en",
    _I,
)
_DESCRIPTIVE = re.compile(
    r"^(?:is|are|was|were)\s+(?:visible|present|shown|displayed)|^(?:seems|seemed|appears|appeared)\s+to\s+be"
    r"|^(?:looks|looked)\s+(?:like|similar)|^(?:suggesting|indicating|showing|depicting)|^(?:can\s+be\s+seen)"
    r"|^(?:wearing|carrying|holding)\b|^(?:stands|standing|seated|sitting|lying)\s+in\s|what appears to be"
    r"|appears to be|seems to be",
    _I,
)
_BE_WORD = re.compile(r"^(?:is|are|was|were)\s+(\w+)")
_SCENE = re.compile(
    r"^the\s+(?:scene|background|setting|video|clip)\s+|^in\s+the\s+(?:background|foreground|scene|setting)\s+"
    r"|^the\s+(?:room|area|space|environment)\s+|\b(?:appears|appears\s+to\s+be|looks\s+like)\b"
    r"|\b(?:suggesting|indicating|depicting)\b",
    _I,
)
_NEW_SUBJECT = re.compile(r"\b(?:the|a|an)\s+(?:\w+\s+)*(?:man|woman|person|boy|girl|child|player|individual)", _I)
_ING_COMPOUNDS = re.compile(
    "|".join(
        re.escape(c)
        for c in (
            "cutting board",
            "serving plate",
            "serving dish",
            "serving tray",
            "serving spoon",
            "cooking pot",
            "cooking pan",
            "cooking utensil",
            "cooking oil",
            "cooking spray",
            "baking dish",
            "baking sheet",
            "baking pan",
            "baking powder",
            "rolling pin",
            "shopping cart",
            "shopping bag",
            "shopping basket",
            "running water",
            "drinking water",
            "cooking water",
            "cooking wine",
            "bottled water",
            "sparkling water",
            "cleaning solution",
            "cleaning agent",
            "packing material",
            "wrapping paper",
            "writing paper",
            "dining room",
            "dining table",
            "dining area",
            "dining chair",
            "living room",
            "living area",
            "living space",
            "waiting room",
            "meeting room",
            "dressing room",
            "cooking show",
            "cooking class",
            "cooking lesson",
            "cooking skill",
            "cooking technique",
            "cooking time",
            "cooking temperature",
            "serving size",
            "serving style",
            "serving method",
            "serving motion",
            "serving technique",
            "serving position",
            "training session",
            "opening ceremony",
            "closing ceremony",
            "sporting event",
            "running track",
            "swimming pool",
            "running shoes",
            "swimming suit",
            "diving board",
            "starting position",
            "ending position",
            "turning point",
            "breaking point",
            "meeting point",
            "resting place",
            "turning mechanism",
            "operating system",
            "starting line",
            "finishing line",
            "measuring device",
            "counting machine",
            "serving line",
            "playing field",
            "scoring position",
            "bowling alley",
            "racing track",
            "jumping obstacle",
            "putting green",
            "shooting range",
            "batting cage",
            "playing court",
            "training ground",
        )
    )
)
_NOMINAL_ING = re.compile(
    r"\b(?:the|a|an|this|that|these|those|my|your|his|her|their|our)\s+(\w+ing)\s+(\w+)\b"
    r"|\b(?:on|in|at|by|with|from|to|through|about|after|before)\s+(?:the\s+)?(\w+ing)\b"
    r"|\b(?:his|her|their|its|one's)\s+(\w+ing)\b"
    r"|\b(\w+ing)\s+(?:room|table|board|surface|line|position|style|technique|machine|device|system|method"
    r"|process|approach)\b"
)
_PROGRESSIVE = re.compile(r"\b(?:is|was)\s+\w+ing\b")
_PROCESS_NOUN = re.compile(
    r"\b(?:the|a|an|this|that|some|any|all)\s+(?:cooking|baking|frying|boiling|washing|cleaning|swimming|running"
    r"|jumping|serving|riding|playing|training|learning|teaching|writing|reading|speaking|working|traveling"
    r"|studying|thinking|computing|measuring)\b"
)
_CLEAR_ACTION_VERBS = (
    "walk",
    "run",
    "jump",
    "pick",
    "grab",
    "take",
    "put",
    "place",
    "throw",
    "push",
    "pull",
    "lift",
    "turn",
    "twist",
    "open",
    "close",
    "hold",
    "shake",
    "wave",
    "point",
    "raise",
    "lower",
    "enter",
    "exit",
    "stand",
    "sit",
    "move",
    "serve",
    "toss",
    "hit",
    "strike",
    "swing",
    "prepare",
    "position",
    "adjust",
    "touch",
    "reach",
    "carry",
    "bring",
    "approach",
    "step",
    "pass",
    "deliver",
    "focus",
    "concentrate",
    "aim",
    "play",
    "perform",
    "dance",
    "spin",
    "bend",
    "stretch",
    "lean",
    "bite",
    "eat",
    "drink",
    "sip",
    "swallow",
    "search",
    "interact",
)
_SPLIT_ACTIONS = re.compile(r"\s+and\s+|\s*,\s*|\s*;\s*")
_SPLIT_FALLBACK = re.compile(r",\s+|\s+and\s+|\s+then\s+|\.\s+|;\s+")
_SPLIT_NO_SUBJECT = re.compile(r",\s+|\s+and\s+|\s+then\s+|;\s+")
_LEADING_AND = re.compile(r"^(?:and|then|also)\s+")
_LEADING_ADVERB = re.compile(r"^\s*(?:also|then|finally|next|afterwards|subsequently)\s+")
_CLAUSE_PRONOUN = re.compile(r"\b(he|she|they|it)\s+", _I)
_ANY_PRONOUN = re.compile(r"\b(?:he|she|they|it|him|her|them)\b")
_AS_SUBJECT = re.compile(r"^\s*(?:a|an|the)\s+(?:[a-z\s]*(?:man|woman|person|boy|girl))\b", _I)
_AS_PRONOUN = re.compile(r"^\s*(?:he|she|they|it)\b", _I)
_ADVERB_ING = re.compile(r"\b(\w+ly\s+\w+ing[^.,;:]*)")
_ASSURANCE = [
    re.compile(p, _I)
    for p in (
        r"\bensuring\s+[^.,;:]+",
        r"\badjusting\s+[^.,;:]+",
        r"\bmaking\s+sure\s+[^.,;:]+",
        r"\bensures\s+that\s+[^.,;:]+",
        r"\bensures\s+the\s+[^.,;:]+",
    )
]
_PHRASE = r"([^.,;:]+)"
# Patterns whose match is rewritten by a template (\1, \2 are the groups).
_STATE_PATTERNS = [
    (re.compile(p, _I), template, keywords)
    for p, template, keywords in (
        (
            rf"expression\s+changes?\s+from\s+{_PHRASE}\s+to\s+{_PHRASE}",
            r"expression changes from \1 to \2",
            ("expression",),
        ),
        (rf"expression\s+changes?\s+to\s+{_PHRASE}", r"expression changes to \1", ("expression",)),
        (rf"(?:indicating|suggesting)\s+(?:he|she|they)\s+is\s+{_PHRASE}", r"is \1", ("indicating", "suggesting")),
        (rf"appears\s+to\s+be\s+{_PHRASE}", r"appears to be \1", ("appears",)),
        (rf"seems\s+to\s+be\s+{_PHRASE}", r"seems to be \1", ("seems",)),
        (rf"continues\s+to\s+{_PHRASE}", r"continues to \1", ("continues",)),
        (rf"remains\s+{_PHRASE}", r"remains \1", ("remains",)),
        (rf"reacting\s+to\s+{_PHRASE}", r"reacting to \1", ("reacting",)),
        (rf"responding\s+to\s+{_PHRASE}", r"responding to \1", ("responding",)),
        (rf"engaged\s+with\s+{_PHRASE}", r"engaged with \1", ("engaged",)),
        (rf"looks?\s+(?:at|towards|to)\s+{_PHRASE}\s+with\s+interest", r"looks at \1 with interest", ("look",)),
    )
]
"""(pattern, rewrite template with \\1 \\2, words one of which a match must contain)."""
_PRONOUN_STATES = [
    re.compile(p, _I)
    for p in (
        r"(?:expression|face|mood|emotion)\s+(?:changes|changed)",
        r"appears\s+to\s+be\s+([^.,;:]+)",
        r"seems\s+to\s+be\s+([^.,;:]+)",
        r"looks\s+(?:at|to|towards)\s+([^.,;:]+)\s+with\s+interest",
        r"engaged\s+with\s+([^.,;:]+)",
    )
]
_REST = r"[^.,;:]+"
_SPECIFIC_ACTIONS = [
    re.compile(p, _I)
    for p in (
        rf"searching\s+through\s+{_REST}",
        rf"searching\s+for\s+{_REST}",
        rf"looking\s+through\s+{_REST}",
        rf"looking\s+for\s+{_REST}",
        rf"walks\s+to\s+{_REST}",
        rf"walking\s+to\s+{_REST}",
        rf"runs\s+to\s+{_REST}",
        rf"running\s+to\s+{_REST}",
        rf"moves\s+to\s+{_REST}",
        rf"moving\s+to\s+{_REST}",
        rf"looks\s+(?:at|to|towards)\s+{_REST}",
        rf"looking\s+(?:at|to|towards)\s+{_REST}",
        r"bends\s+down\s+[^.,;:]*",
        rf"picks\s+up\s+{_REST}",
        rf"puts\s+(?:down|away|on|in)\s+{_REST}",
        rf"reacting\s+to\s+{_REST}",
        rf"speaking\s+(?:to|with)\s+{_REST}",
        rf"ensures\s+{_REST}",
        rf"adjusts\s+{_REST}",
        rf"handles\s+{_REST}",
        rf"examines\s+{_REST}",
        rf"interacts\s+with\s+{_REST}",
        rf"gestures\s+(?:to|towards|at)\s+{_REST}",
        rf"engaged\s+in\s+{_REST}",
        rf"reaches\s+(?:for|out to|towards)\s+{_REST}",
        rf"hands\s+over\s+{_REST}",
        rf"passes\s+{_REST}",
        rf"continues\s+to\s+{_REST}",
    )
]
_INDICATORS = [
    (keyword, re.compile(rf"\b{keyword}\s+{tail}([^.,;:]+)", _I))
    for keyword, tail in (
        ("ensures", ""),
        ("moves", ""),
        ("adjusts", ""),
        ("observes", ""),
        ("watches", ""),
        ("continues", r"to\s+"),
        ("begins", r"to\s+"),
        ("starts", r"to\s+"),
        ("tries", r"to\s+"),
        ("attempts", r"to\s+"),
    )
]
_BE_FORMS = ("is", "are", "was", "were", "be", "been", "being")
_STOP_TOKENS = (".", ",", ";", ":")


def clean_action_text(action: str) -> str:
    """Strip punctuation and conjunctions; cut an active clause at its first connector."""
    action = _TRAILING_PUNCT.sub("", action).strip()
    action = _MIDDLE_PUNCT.sub(" ", action).strip()
    action = _WHITESPACE.sub(" ", action).strip()
    if not _PASSIVE.search(action):
        for connector in _CONNECTORS:
            if connector.search(action):
                action = connector.split(action, 1)[0].strip()
                break
    action = _END_CONJ.sub("", action).strip()
    return _LEADING_CONJ.sub("", action).strip()


def is_ing_nominal_compound(text: str) -> bool:
    """Whether ``text`` reads as an -ing noun compound ("cutting board") rather than an action."""
    lowered = text.lower()
    if _ING_COMPOUNDS.search(lowered):
        return True
    if _NOMINAL_ING.search(lowered) and not _PROGRESSIVE.search(lowered):
        return True
    return bool(_PROCESS_NOUN.search(lowered))


class ActionExtractor:
    """Per-caption action extraction with the official per-caption memos."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._clear_action: dict[str, bool] = {}
        self._actions: dict[str, list[str]] = {}
        self._pronoun: dict[str, bool] = {}
        self._subject_of_ref: dict[tuple[int, int], str | None] = {}
        self._state_scans: dict[tuple[str, int], tuple[list[int], list[tuple[int, str]]]] = {}
        self._prepared: dict[str, str] = {}
        self._clause_plans: dict[str, tuple[str | None, list[str]]] = {}
        self._sentence_clauses: dict[str, list[tuple[str, str]]] = {}

    def is_descriptive(self, text: str) -> bool:
        """Whether ``text`` describes a state or appearance rather than an action."""
        if _DESCRIPTIVE.search(text):
            return True
        be_word = _BE_WORD.search(text.lower())
        return be_word is not None and be_word.group(1) in self.lexicon.descriptive_adjectives

    def contains_clear_action(self, text: str) -> bool:
        """Whether ``text`` has one of a few clearly physical verbs (memo on the first 50 chars)."""
        key = text[:50]
        if key not in self._clear_action:
            padded = f" {text.lower()} "
            self._clear_action[key] = any(
                any(f" {verb}{ending} " in padded for ending in ("", "s", "ed", "ing"))
                and not re.search(rf"\b(?:the|a|an)\s+{verb}ing", padded)
                for verb in _CLEAR_ACTION_VERBS
            )
        return self._clear_action[key]

    def is_scene_description(self, sentence: str) -> bool:
        """Whether ``sentence`` only describes the scene."""
        return bool(_SCENE.search(sentence)) and not self.contains_clear_action(sentence)

    def contains_pronoun(self, text: str) -> bool:
        """Whether ``text`` has he/she/they/it/him/her/them between spaces (memo on the first 50 chars)."""
        key = text[:50]
        if key not in self._pronoun:
            padded = f" {text.lower()} "
            self._pronoun[key] = any(
                p in padded for p in (" he ", " she ", " they ", " it ", " him ", " her ", " them ")
            )
        return self._pronoun[key]

    def _verb_parts(self, text: str) -> list[str]:
        parts = (part.strip() for part in _SPLIT_ACTIONS.split(text))
        return [part for part in parts if part and self.lexicon.contains_verb(part)]

    def extract_actions(self, text: str) -> list[str]:
        """Verb phrases of ``text`` by POS tags, else by the regex fallback (memo on 50 chars)."""
        key = text[:50]
        if key in self._actions:
            return self._actions[key]
        try:
            actions = self._tagged_actions(text)
        except Exception:  # noqa: BLE001 -- like upstream, any tokenizer/tagger failure falls back to regexes
            actions = []
        self._actions[key] = actions or self._fallback_actions(text)
        return self._actions[key]

    def _tagged_actions(self, text: str) -> list[str]:
        tags = pos_tag(word_tokenize(text))
        chunks: list[str] = []
        i = 0
        while i < len(tags):
            if not tags[i][1].startswith("VB"):
                i += 1
                continue
            words = [tags[i][0]]
            i += 1
            while i < len(tags) and (tags[i][1].startswith("VB") or tags[i][0].lower() in ("to", "not", "n't")):
                words.append(tags[i][0])
                i += 1
            while i < len(tags) and not tags[i][1].startswith("VB"):
                token, tag = tags[i]
                if token in _STOP_TOKENS or (tag == "CC" and token.lower() in ("and", "or", "but")):
                    break
                words.append(token)
                i += 1
            chunk = " ".join(words)
            if not is_ing_nominal_compound(chunk):
                chunks.append(chunk)
        actions = [clean_action_text(c) for c in chunks if c and not self.is_descriptive(c)]
        return [a for a in actions if a]

    def _fallback_actions(self, text: str) -> list[str]:
        text = text.strip()
        for pattern in _SPECIFIC_ACTIONS:
            match = pattern.search(text)
            if match:
                return [match.group(0)]
        actions = []
        for part in _SPLIT_FALLBACK.split(text):
            action = clean_action_text(part.strip()) if part.strip() else ""
            if (
                action
                and not is_ing_nominal_compound(action)
                and self.lexicon.contains_verb(action)
                and not self.is_descriptive(action)
            ):
                actions.append(action)
        return actions

    def clause_actions(self, clause: str) -> list[str]:
        """Actions of a subordinate clause ("as he ...", "while ...")."""
        if clause not in self._clause_plans:
            self._clause_plans[clause] = self._plan_clause(clause)
        tagged_text, actions = self._clause_plans[clause]
        return self.extract_actions(tagged_text) if tagged_text is not None else list(actions)

    def _plan_clause(self, clause: str) -> tuple[str | None, list[str]]:
        """(text to run ``extract_actions`` on, or None and the clause's fixed actions)."""
        clause = clause.strip()
        if clause.lower().startswith(("he ", "she ", "they ", "it ")):
            pronoun = _CLAUSE_PRONOUN.match(clause)
            if pronoun:
                rest = clause[pronoun.end() :].strip()
                if self.lexicon.contains_verb(rest):
                    return rest, []
        for keyword, pattern in _INDICATORS:
            if keyword in clause.lower():
                match = pattern.search(clause)
                if match:
                    return None, [match.group(0)]
        words = clause.split()
        for i, word in enumerate(words):
            if self.lexicon.is_potential_verb(word):
                return None, [" ".join(words[i : i + 6])]
        return None, []

    def subject_actions(self, sentence: str, ref: SubjectRef, sentence_refs: list[SubjectRef]) -> list[str]:
        """Actions between a subject mention and the next mention in the sentence."""
        end = len(sentence)
        for other in sentence_refs:
            if ref.end < other.start < end:
                end = other.start
        text = sentence[ref.end : end].strip()
        if text.startswith((",", ".")):
            text = text[1:].strip()
        text = _LEADING_AND.sub("", text)
        if not text:
            return []
        while_parts = text.split(" while ", 1)
        if len(while_parts) > 1 and _NEW_SUBJECT.search(while_parts[1]):
            text = while_parts[0].strip()
        as_parts = text.split(" as ", 1)
        as_actions: list[str] = []
        main = text
        if len(as_parts) > 1:
            main = as_parts[0].strip()
            as_clause = as_parts[1].strip()
            if as_clause.startswith(("he ", "she ", "they ")):
                as_actions = self.clause_actions(as_clause)
        actions = self._verb_parts(main) + as_actions
        for pattern, template, _ in _STATE_PATTERNS:
            for match in pattern.finditer(text):
                state = match.expand(template)
                if state not in actions:
                    actions.append(state)
        if not actions and self.lexicon.contains_verb(text):
            return self.extract_actions(text)
        return actions

    def pronoun_actions(self, text: str) -> list[str]:
        """Actions after the first pronoun of ``text``."""
        pronoun = _ANY_PRONOUN.search(text.lower())
        if not pronoun:
            return []
        rest = text[pronoun.end() :].strip()
        if rest.startswith((",", ".")):
            rest = rest[1:].strip()
        if not rest:
            return []
        for marker in (" as ", " while "):
            parts = rest.split(marker, 1)
            if len(parts) > 1:
                return self.extract_actions(parts[0]) + self.clause_actions(parts[1])
        actions = self._verb_parts(rest)
        for pattern in _PRONOUN_STATES:
            for match in pattern.finditer(rest):
                if match.group(0) not in actions:
                    actions.append(match.group(0))
        return actions

    def actions_without_subject(self, text: str) -> list[str]:
        """Verb-bearing parts of a sentence with no subject mention."""
        actions = []
        for part in _SPLIT_NO_SUBJECT.split(text):
            part = part.strip()
            if part and self.lexicon.contains_verb(part):
                action = _LEADING_ADVERB.sub("", part).strip()
                if action:
                    actions.append(action)
        return actions

    def as_clause_actions(self, text: str) -> list[str]:
        """Actions of an "as ..." clause, after its subject or pronoun if it has one."""
        subject = _AS_SUBJECT.search(text)
        if subject:
            return self._verb_parts(text[subject.end() :].strip())
        pronoun = _AS_PRONOUN.search(text)
        if pronoun:
            return self._verb_parts(text[pronoun.end() :].strip())
        return self._verb_parts(text)

    def indirect_actions(self, text: str, ref: SubjectRef) -> list[str]:
        """State changes and reactions after a mention ("expression changes to ...")."""
        if len(text) < 10:
            return []
        start = ref.end if ref.end < len(text) else 0
        actions: list[str] = []
        for index in range(len(_STATE_PATTERNS)):
            for state in self._states_from(text, index, start):
                if state and state not in actions:
                    actions.append(state)
        return actions

    def _states_from(self, text: str, index: int, start: int) -> list[str]:
        """Rewritten matches of state pattern ``index`` scanning ``text`` from ``start``.

        A scan from ``start`` equals the tail of the scan from 0 unless a match of that scan
        straddles ``start`` (the patterns have no anchors or look-behind), so the scan from 0
        is done once per text and only straddled starts are rescanned.
        """
        key = (text, index)
        if key not in self._state_scans:
            pattern, template, keywords = _STATE_PATTERNS[index]
            folded = fold(text)
            found = any(k in folded for k in keywords)
            scan = list(pattern.finditer(text)) if found else []
            self._state_scans[key] = ([m.end() for m in scan], [(m.start(), m.expand(template)) for m in scan])
        ends, matches = self._state_scans[key]
        first = bisect_right(ends, start)
        if first < len(matches) and matches[first][0] < start:
            pattern, template, _ = _STATE_PATTERNS[index]
            return [m.expand(template) for m in pattern.finditer(text, start)]
        return [state for _, state in matches[first:]]

    def subject_of(self, ref: SubjectRef, owners: dict[tuple[int, int], str]) -> str | None:
        """The subject id owning ``ref`` (memo on sentence and start, kept across both passes)."""
        key = (ref.sentence, ref.start)
        if key not in self._subject_of_ref:
            self._subject_of_ref[key] = owners.get(key)
        return self._subject_of_ref[key]

    def all_actions(
        self, sentences: list[str], subjects: dict[str, Subject], refs: list[SubjectRef], camera_texts: list[str]
    ) -> list[tuple[str, str]]:
        """(action, subject id) pairs in caption order; also fills each subject's actions."""
        timeline: list[tuple[str, str]] = []
        seen: dict[str, set[str]] = {sid: set() for sid in subjects}

        def add(action: str, sid: str) -> None:
            action = self._prepare(action)
            if action and action not in seen[sid]:
                seen[sid].add(action)
                subjects[sid].actions.append(action)
                timeline.append((action, sid))

        owners: dict[tuple[int, int], str] = {}  # (sentence, start) -> first subject with that mention
        for subject_id, subject in subjects.items():
            for r in subject.refs:
                owners.setdefault((r.sentence, r.start), subject_id)
        current: str | None = None
        for index, sentence in enumerate(sentences):
            clean = remove_camera_parts(sentence, camera_texts)
            if not clean.strip() or self.is_scene_description(clean):
                continue
            sentence_refs = sorted((r for r in refs if r.sentence == index), key=lambda r: r.start)
            if sentence_refs:
                for ref in sentence_refs:
                    sid = self.subject_of(ref, owners)
                    if not sid:
                        continue
                    current = sid
                    actions = self.subject_actions(clean, ref, sentence_refs)
                    for action in self.indirect_actions(clean, ref):
                        if action not in actions:
                            actions.append(action)  # may extend a memoised list, as upstream does
                    for action in actions:
                        add(action, sid)
                    self._complex_clauses(clean, current, add)
            elif current and " as " in clean:
                as_clause = clean.split(" as ", 1)[1]
                if self.contains_clear_action(as_clause):
                    for action in self.as_clause_actions(as_clause):
                        add(action, current)
            elif current and self.contains_pronoun(clean):
                for action in self.pronoun_actions(clean):
                    add(action, current)
            elif self.contains_clear_action(clean) and current:
                for action in self.actions_without_subject(clean):
                    add(action, current)
        return timeline

    def _prepare(self, action: str) -> str:
        """The cleaned action, or "" for a description or an -ing noun compound (memoised)."""
        if action not in self._prepared:
            keep = action and action.strip() and not self.is_descriptive(action) and not is_ing_nominal_compound(action)
            self._prepared[action] = clean_action_text(action) if keep else ""
        return self._prepared[action]

    def _complex_clauses(self, sentence: str, sid: str, add: Callable[[str, str], None]) -> None:
        if sentence not in self._sentence_clauses:
            self._sentence_clauses[sentence] = self._plan_complex_clauses(sentence)
        for kind, text in self._sentence_clauses[sentence]:
            for action in self.clause_actions(text) if kind == "clause" else (text,):
                add(action, sid)

    @staticmethod
    def _plan_complex_clauses(sentence: str) -> list[tuple[str, str]]:
        """Steps for clause actions of a sentence: ("clause", text) or ("action", text)."""
        steps: list[tuple[str, str]] = []
        for marker in (" as ", " while ", " when "):
            if marker not in sentence:
                continue
            clause = sentence.split(marker, 1)[1].strip()
            if clause.lower().startswith(("he ", "she ", "they ")):
                steps.append(("clause", clause))
            adverb_ing = _ADVERB_ING.search(clause)
            if adverb_ing:
                steps.append(("action", adverb_ing.group(1)))
        for pattern in _ASSURANCE:
            steps += [("action", match.group(0)) for match in pattern.finditer(sentence)]
        return steps
