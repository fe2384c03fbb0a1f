"""Camera-motion clauses of a caption: find them, normalise them, cut them out."""

from __future__ import annotations

import re

from favor_hf.caption.extract.lexicon import Lexicon

# Tried in this order; an earlier pattern claims the text it covers.
_CAMERA_PATTERNS = [
    re.compile(p)
    for p in (
        r"[Tt]he camera then pans",
        r"[Tt]he camera shifts",
        r"[Tt]he camera follows",
        r"[Tt]he camera pans",
        r"[Tt]he camera then shifts",
        r"[Tt]he scene transitions",
        r"[Tt]he camera (?:slowly|quickly|gradually)",
        r"[Tt]he camera moves",
        r"[Tt]he camera (?:remains|stays)",
        r"[Tt]he camera (?:is|appears to be)",
        r"[Tt]he camera continues",
        r"[Tt]he camera zooms",
        r"[Tt]he camera (?:tracks|follows)",
        r"[Aa] (?:tracking|panning|zoom|dolly) shot",
        r"[Tt]he (?:shot|frame|video|scene) transitions",
        r"[Tt]he (?:shot|frame|video|scene) changes",
        r"[Tt]he (?:focus|angle|perspective) shifts",
        r"[Tt]he video starts with",
        r"[Tt]he video begins with",
        r"[Tt]he video shows",
        r"[Tt]he scene begins with",
        r"[Tt]he scene starts with",
        r"[Cc]amera (?:then )?cuts to",
        r"[Tt]he static shot",
        r"[Ss]tationary shot",
        r"[Ss]tatic (?:shot|camera)",
        r"[Cc]apturing the.*from",
        r"[Oo]verhead (?:shot|view)",
        r"[Ff]irst-person perspective",
        r"(?:the\s+)?camera\s+(?:pan|pans|panned|panning)",
        r"(?:the\s+)?camera\s+(?:zoom|zooms|zoomed|zooming)",
        r"(?:the\s+)?camera\s+(?:follow|follows|followed|following)",
        r"(?:the\s+)?camera\s+(?:shift|shifts|shifted|shifting)",
        r"(?:the\s+)?camera\s+(?:tilt|tilts|tilted|tilting)",
        r"(?:the\s+)?camera\s+(?:track|tracks|tracked|tracking)",
        r"(?:the\s+)?camera\s+(?:shake|shakes|shook|shaking)",
        r"(?:the\s+)?camera\s+(?:remain|remains|remained|keep|keeps|kept)\s+(?:static|stationary|fixed|steady)",
        r"(?:the\s+)?camera\s+(?:move|moves|moved|moving)",
        r"(?:the\s+)?camera\s+(?:is|was)\s+(?:positioned|placed|located)",
        r"(?:the\s+)?camera\s+(?:capture|captures|captured|capturing)",
        r"(?:the\s+)?camera\s+(?:focus|focuses|focused|focusing)",
        r"(?:a|the)\s+(?:static|stationary|moving|panning|tracking|zoom)\s+shot",
        r"(?:a|the)\s+(?:close-up|medium|wide|aerial|overhead)\s+shot",
        r"[Tt]he scene (?:remains|stays) static",
        r"[Tt]he scene (?:is|appears) static",
        r"stationary (?:throughout|camera)",
        r"no significant camera movement",
        r"no camera movement",
        r"steady camera",
        r"stable camera",
        r"fixed camera",
    )
]
# Where a camera clause stops: a subject, a pronoun or a linking word (earliest wins).
_CLAUSE_END = re.compile(
    r"\ba\s+(?:man|woman|person|boy|girl)|\bthe\s+(?:man|woman|person|boy|girl)|\bhe\b|\bshe\b|\bthey\b"
    r"|\bshowing\b|\bdisplaying\b|\brevealing\b|\bas\b|\bwhile\b",
    re.IGNORECASE,
)
_WHITESPACE = re.compile(r"\s+")
_LEADING_LINK = re.compile(r"^(?:as|while|when|and|then)\s+")
_LEADING_PUNCT = re.compile(r"^\s*[,;:]\s*")


def _clause_end(sentence: str, start: int) -> int:
    marker = _CLAUSE_END.search(sentence[start:])  # on the slice: \b sees the slice start
    limit = start + marker.start() if marker else len(sentence)
    for index in range(start, limit):
        if sentence[index] in ".,:;":
            return index
    return limit


def _normalize(motion: str) -> str:
    text = motion.strip()
    lowered = text.lower()
    if lowered.startswith("the camera"):
        text = "Camera" + text[10:]
    elif lowered.startswith("a camera"):
        text = "Camera" + text[8:]
    elif not lowered.startswith("camera"):
        text = "Camera " + text
    text = text[0].upper() + text[1:]
    if text[-1] in ".,:;!?":
        text = text[:-1]
    return text


def find_camera_motions(lexicon: Lexicon, sentence: str) -> tuple[list[str], list[str]]:
    """Camera motions of one sentence: (normalised motions, the raw text of each)."""
    if not lexicon.camera_terms.search(sentence.lower()):
        return [], []
    motions: list[str] = []
    raw_texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for pattern in _CAMERA_PATTERNS:
        for match in pattern.finditer(sentence):
            start = match.start()
            if any(lo <= start < hi for lo, hi in spans):
                continue
            end = _clause_end(sentence, match.end())
            spans.append((start, end))
            raw = sentence[start:end].strip()
            motion = _normalize(raw)
            if motion not in motions:
                motions.append(motion)
                raw_texts.append(raw)
    return motions, raw_texts


def remove_camera_parts(text: str, camera_texts: list[str]) -> str:
    """``text`` without the camera clauses, tidied at the start."""
    if not camera_texts:
        return text
    for motion in camera_texts:
        text = text.replace(motion, "").strip()
    text = _WHITESPACE.sub(" ", text).strip()
    text = _LEADING_LINK.sub("", text).strip()
    return _LEADING_PUNCT.sub("", text).strip()
