"""Step-1 strings -> structures, exactly as the official step 2 reads them.

The official comparison script parses ``motion_list``, ``chronological_motion_list`` and
``camera_motion`` with its own regular expressions, quirks included (a chronological action
after the first keeps its leading ``", "``; camera segments lose their case when split on the
word "camera"). Scores depend on the exact strings, so these parsers reproduce that
behaviour exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SUBJECT_WITH_DESCRIPTION = re.compile(r"Subject (\d+):?\s+(.*?)\s*\[(.*?)\]")
_SUBJECT_WITHOUT_DESCRIPTION = re.compile(r"Subject (\d+)\s*\[(.*?)\]")
_LINE_SUBJECT_ID = re.compile(r"subject\s+(\d+)")
_LINE_SUBJECT_DESCRIPTION = re.compile(r"subject\s+\d+:\s*(.*?)\s*\[")
_BRACKETS = re.compile(r"\[(.*?)\]")
_ACTION_SEPARATORS = re.compile(r"[,;]|\s+and\s+")
_TRAILING_PUNCTUATION = re.compile(r"[,.;!?]$")
_CHRONO_ITEM = re.compile(r"(.*?)\s*\(Subject (\d+)\)")
_CHRONO_FALLBACK_SEPARATOR = re.compile(r",\s*")
_WHITESPACE = re.compile(r"\s+")
_CAMERA_WORD = re.compile(r"(camera\s+)", flags=re.IGNORECASE)
_CAMERA_PREFIX = re.compile(r"camera\s+")
_CAMERA_SEPARATORS = re.compile(r"[;]|\s+then\s+|\s+and\s+")


@dataclass(frozen=True)
class MotionList:
    """Subjects of a ``motion_list``: id -> description and id -> ordered actions."""

    descriptions: dict[int, str]
    actions: dict[int, list[str]]


def split_actions(text: str) -> list[str]:
    """Split the bracketed action text of one subject into actions."""
    if not text or not isinstance(text, str):
        return []
    if "," in text:
        parts = text.split(",")
    else:
        parts = _ACTION_SEPARATORS.split(text)
    parts = [part.strip() for part in parts if part.strip()]
    parts = [_TRAILING_PUNCTUATION.sub("", part).strip() for part in parts]
    return [part for part in parts if part]


def parse_motion_list(text: object) -> MotionList:
    """Parse ``"Subject 1: Man [walks, sits]\\nSubject 2: ..."`` into descriptions and actions.

    Falls back, in order, to ``Subject N [..]`` without a description, a line-by-line scan,
    and finally the first bracket of the text as the actions of a single subject.

    Example:
        >>> parse_motion_list("Subject 1: Man [Walks forward, sits down.]")
        MotionList(descriptions={1: 'Man'}, actions={1: ['Walks forward', 'sits down']})
    """
    descriptions: dict[int, str] = {}
    actions: dict[int, list[str]] = {}
    if not isinstance(text, str):
        return MotionList(descriptions, actions)
    with_description = _SUBJECT_WITH_DESCRIPTION.findall(text)
    if with_description:
        for subject, description, action_text in with_description:
            descriptions[int(subject)] = description.strip()
            actions[int(subject)] = split_actions(action_text.strip())
    else:
        without_description = _SUBJECT_WITHOUT_DESCRIPTION.findall(text)
        if without_description:
            for subject, action_text in without_description:
                descriptions[int(subject)] = f"Subject {int(subject)}"
                actions[int(subject)] = split_actions(action_text.strip())
        else:
            _parse_lines(text, descriptions, actions)
    if not descriptions and not actions and "[" in text and "]" in text:
        brackets = _BRACKETS.findall(text)
        if brackets:
            descriptions[1] = "Subject 1"
            actions[1] = split_actions(brackets[0].strip())
    return MotionList(descriptions, actions)


def _parse_lines(text: str, descriptions: dict[int, str], actions: dict[int, list[str]]) -> None:
    for line in text.split("\n"):
        lowered = line.lower()
        if "subject" not in lowered:
            continue
        subject_match = _LINE_SUBJECT_ID.search(lowered)
        action_match = _BRACKETS.search(line)
        if not subject_match or not action_match:
            continue
        subject = int(subject_match.group(1))
        description_match = _LINE_SUBJECT_DESCRIPTION.search(lowered)
        descriptions[subject] = description_match.group(1).strip() if description_match else f"Subject {subject}"
        actions[subject] = split_actions(action_match.group(1).strip())


def parse_chronological(text: object) -> list[tuple[str, int]]:
    """Parse ``"Walks (Subject 1), Sits (Subject 1)"`` into ``(action, subject id)`` pairs.

    As in the official scorer, every action after the first keeps the ``", "`` that
    precedes it (``", Sits"``); only trailing punctuation is removed.
    """
    if not isinstance(text, str):
        return []
    items = _CHRONO_ITEM.findall(text)
    sequence: list[tuple[str, int]] = []
    if items:
        sequence = [(action.strip(), int(subject)) for action, subject in items if action.strip()]
    else:
        for item in _CHRONO_FALLBACK_SEPARATOR.split(text):
            item = item.strip()
            if "(" not in item or ")" not in item:
                continue
            action = item[: item.rfind("(")].strip()
            subject = item[item.rfind("(") + 1 : item.rfind(")")].strip()
            if not subject.lower().startswith("subject"):
                continue
            try:
                subject_id = int(subject.split()[1])
            except (ValueError, IndexError):
                continue
            if action:
                sequence.append((action, subject_id))
    return [(_TRAILING_PUNCTUATION.sub("", action).strip(), subject) for action, subject in sequence]


def parse_camera_segments(text: object) -> list[str]:
    """Split a ``camera_motion`` string into segments, each mentioning the camera.

    Splits on commas (keeping empty segments), else full stops, else the word "camera"
    (lower-casing the text), else ";", "then" and "and"; a segment without "camera" gets
    a ``"Camera "`` prefix, so an empty string becomes ``["Camera "]``.
    """
    if not isinstance(text, str):
        return []
    text = _WHITESPACE.sub(" ", text.strip())
    if "," in text:
        segments = [segment.strip() for segment in text.split(",")]
    elif "." in text:
        segments = [segment.strip() for segment in text.split(".") if segment.strip()]
    elif "camera" in text.lower():
        segments = _split_on_camera(text.lower())
    else:
        segments = [segment.strip() for segment in _CAMERA_SEPARATORS.split(text) if segment.strip()]
    if not segments:
        segments = [text]
    return [segment if "camera" in segment.lower() else f"Camera {segment}" for segment in segments]


def _split_on_camera(text: str) -> list[str]:
    segments: list[str] = []
    current = ""
    for part in _CAMERA_WORD.split(text):
        if _CAMERA_PREFIX.match(part.lower()):
            if current:
                segments.append(current.strip())
            current = part
        else:
            current += part
    if current:
        segments.append(current.strip())
    return segments
