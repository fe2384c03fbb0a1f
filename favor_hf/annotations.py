"""Parse FAVOR annotation strings into typed subjects, actions and camera segments.

FAVOR writes its video-level annotations as free strings with a usual shape:

- ``subject_attributes``: ``"Subject 1: Man [Black skin, plaid shirt]\\nSubject 2: Cat [Gray fur]"``
- ``motion_list``: ``"Subject 1: Man [Walks forward, bends down]"``
- ``chronological_motion_list``: ``"Walks forward (Subject 1), Bends down (Subject 1)"``
- ``camera_motion``: ``"Camera shakes, tilts downward, pans to the upper left"``

The real data deviates from it (``Subject1:``, ``Subject:``, ``Character 1:``, no subject name,
parentheses for brackets, repeated headers, ``;`` or ``.`` separators, actions without a
subject tag). Every parser keeps all the text it can attribute, never raises on a string,
and returns human-readable ``parse_warnings`` so irregular records can be counted.

Example:
    >>> parsed = parse_annotations({"chronological_motion_list": "Walks (Subject 1), Sits (Subject 2)"})
    >>> [(a.action, a.subject) for a in parsed.chronological_actions]
    [('Walks', 'Subject 1'), ('Sits', 'Subject 2')]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

_HEADER = re.compile(r"\b(?P<label>subject|character|person)(?P<space>\s*)(?P<num>\d+)?\s*:", re.IGNORECASE)
_GROUP = {"[": "]", "(": ")"}
_CHRONO_TAG = re.compile(
    r"^(?P<action>.*?)\s*(?:\((?P<paren>[^()]*)\)|-\s*(?P<dash>(?:subject|character)\s*\d+))\s*$",
    re.IGNORECASE | re.DOTALL,
)
_LEADING_TAG = re.compile(
    r"^(?P<label>subject|character)\s*(?P<num>\d+)\s*(?:\([^()]*\))?\s+(?P<action>.+)$", re.I | re.S
)
_TAG = re.compile(r"^(?P<label>subject|character|person)\s*(?P<num>\d+)?$", re.IGNORECASE)
_CAMERA_SPLIT = re.compile(r"\s*(?:[,;\n]|\.(?=\s|$))\s*(?:and\s+)?(?:then\s+)?|\s+(?:and\s+)?then\s+", re.IGNORECASE)
_STRIP = " \t\n,;.:"
_NUM_SUBJECTS = {"single subject": False, "multiple subjects": True}


@dataclass
class Subject:
    """One subject of ``subject_attributes``: ``label`` ("Subject 1"), ``name`` ("Man"), ``attributes``."""

    label: str
    name: str
    attributes: list[str] = field(default_factory=list)


@dataclass
class SubjectActions:
    """One subject of ``motion_list`` with its actions in order."""

    label: str
    name: str
    actions: list[str] = field(default_factory=list)


@dataclass
class ChronoAction:
    """One entry of ``chronological_motion_list``.

    ``subject`` is a label like "Subject 1", a non-subject tag as written ("scene"), or ``None``.
    """

    action: str
    subject: str | None


@dataclass
class ParsedAnnotations:
    """The typed structures of one video's annotations plus what could not be parsed cleanly."""

    subjects: list[Subject] = field(default_factory=list)
    subject_actions: list[SubjectActions] = field(default_factory=list)
    chronological_actions: list[ChronoAction] = field(default_factory=list)
    camera_segments: list[str] = field(default_factory=list)
    parse_warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dicts and lists, the layout of the ``videos`` config's parsed columns."""
        return asdict(self)


def _masked(text: str) -> str:
    """``text`` with everything inside (possibly unclosed) brackets or parentheses blanked out."""
    out, stack = [], []
    for ch in text:
        if ch in _GROUP:
            stack.append(_GROUP[ch])
            out.append(ch)
        elif stack and ch == stack[-1]:
            stack.pop()
            out.append(ch)
        else:
            out.append(" " if stack else ch)
    return "".join(out)


def split_items(text: str) -> list[str]:
    """Split on ``,`` and ``;`` outside brackets and parentheses; drop empty items."""
    masked = _masked(text)
    items, start = [], 0
    for i, ch in enumerate(masked):
        if ch in ",;":
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item.strip(" \t\n.") for item in items if item.strip(" \t\n.")]


def _label(word: str, num: str | None) -> str:
    return f"{word.capitalize()} {num}" if num else word.capitalize()


def _groups(chunk: str) -> tuple[str, list[str], str, str | None]:
    """Split ``"Man [a, b] [c] rest"`` into name, group contents, trailing text, and the bracket kind."""
    masked = _masked(chunk)
    spans = [m.span() for m in re.finditer(r"\[[^\[\]]*(?:\]|$)", masked)]
    kind = "["
    if not spans:
        spans = [m.span() for m in re.finditer(r"\([^()]*(?:\)|$)", masked)]
        kind = "("
    if not spans:
        return chunk.strip(_STRIP), [], "", None
    name = chunk[: spans[0][0]].strip(_STRIP)
    contents = [chunk[a + 1 : b - 1 if masked[b - 1] == _GROUP[kind] else b].strip() for a, b in spans]
    between = [chunk[spans[i][1] : spans[i + 1][0]].strip(_STRIP) for i in range(len(spans) - 1)]
    trailing = " ".join([*filter(None, between), chunk[spans[-1][1] :].strip(_STRIP)]).strip()
    return name, contents, trailing, kind


def _headed_chunks(text: str, fld: str, warnings: list[str]) -> list[tuple[str, str]]:
    """Split ``"Subject 1: ... Subject 2: ..."`` into (label, chunk) pairs, warning about odd or missing headers."""
    masked = _masked(text)
    headers = list(_HEADER.finditer(masked))
    if not headers:
        if not text.strip(_STRIP):
            return []
        if text.strip():
            warnings.append(f"{fld}: no 'Subject N:' header")
        return [("", text)]
    lead = text[: headers[0].start()].strip(_STRIP)
    if lead:
        warnings.append(f"{fld}: text before the first subject header kept as an unnamed subject: {lead!r}")
    chunks: list[tuple[str, str]] = [("", lead)] if lead else []
    for i, m in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        word, num = m.group("label"), m.group("num")
        if word.lower() != "subject":
            warnings.append(f"{fld}: header {m.group(0)!r} uses {word!r} instead of 'Subject'")
        if not num:
            warnings.append(f"{fld}: header {m.group(0)!r} has no subject number")
        elif not m.group("space"):
            warnings.append(f"{fld}: header {m.group(0)!r} has no space before the number")
        chunks.append((_label(word, num), text[m.end() : end]))
    return chunks


def parse_subject_attributes(text: str) -> tuple[list[Subject], list[str]]:
    """``"Subject 1: Man [Black skin, plaid shirt]"`` -> subjects with their attributes, and warnings."""
    warnings: list[str] = []
    chunks = _headed_chunks(text, "subject_attributes", warnings)
    subjects: list[Subject] = []
    for label, chunk in chunks:
        name, contents, trailing, kind = _groups(chunk)
        if kind == "(":
            warnings.append(f"subject_attributes: {label or 'subject'} uses parentheses instead of brackets")
        if contents and not name:
            warnings.append(f"subject_attributes: {label or 'subject'} has no name")
        if len(contents) > 1:
            warnings.append(f"subject_attributes: {label or 'subject'} has {len(contents)} bracket groups (joined)")
        attributes = [a for c in contents for a in split_items(c)]
        if trailing:
            warnings.append(f"subject_attributes: text after the brackets of {label or 'subject'} kept as attributes")
            attributes += split_items(trailing)
        if any(s.label == label for s in subjects):
            warnings.append(f"subject_attributes: repeated header {label!r} (kept as a separate subject)")
        subjects.append(Subject(label, name, attributes))
    return subjects, warnings


def parse_motion_list(text: str) -> tuple[list[SubjectActions], list[str]]:
    """``"Subject 1: Man [Walks, bends down]"`` -> each subject's ordered actions, and warnings."""
    warnings: list[str] = []
    chunks = _headed_chunks(text, "motion_list", warnings)
    subjects: list[SubjectActions] = []
    for label, chunk in chunks:
        who = label or "subject"
        name, contents, trailing, kind = _groups(chunk)
        if kind is None:
            warnings.append(f"motion_list: actions of {who} are not in brackets")
            name, actions = "", split_items(chunk)
        else:
            if kind == "(":
                warnings.append(f"motion_list: {who} uses parentheses instead of brackets")
            if not name and len(contents) > 1:
                warnings.append(f"motion_list: {who} has no name; its first bracket group is taken as the name")
                name, contents = contents[0], contents[1:]
            elif not name:
                warnings.append(f"motion_list: {who} has no name")
            elif len(contents) > 1:
                warnings.append(f"motion_list: {who} has {len(contents)} bracket groups (joined)")
            actions = [a for c in contents for a in split_items(c)]
            if trailing:
                warnings.append(f"motion_list: text after the brackets of {who} kept as actions")
                actions += split_items(trailing)
        same = next((s for s in subjects if s.label == label and s.name in (name, "")), None)
        if same is not None:
            warnings.append(f"motion_list: repeated header {label!r} {name!r} (actions merged in order)")
            same.name = same.name or name
            same.actions += actions
        else:
            if any(s.label == label for s in subjects):
                warnings.append(f"motion_list: repeated header {label!r} with another name {name!r} (kept separate)")
            subjects.append(SubjectActions(label, name, actions))
    return subjects, warnings


def parse_chronological_motion_list(text: str) -> tuple[list[ChronoAction], list[str]]:
    """``"Walks forward (Subject 1), Bends down (Subject 1)"`` -> ordered (action, subject) pairs."""
    warnings: list[str] = []
    pairs: list[ChronoAction] = []
    if ";" in _masked(text):
        warnings.append("chronological_motion_list: ';' used as a separator")
    for item in split_items(text):
        m = _CHRONO_TAG.match(item)
        tag = (m.group("paren") or m.group("dash")) if m else None
        tag_match = _TAG.match(tag.strip()) if tag else None
        if m and tag and tag_match:
            subject = _label(tag_match.group("label"), tag_match.group("num"))
            if not tag_match.group("num"):
                warnings.append(f"chronological_motion_list: subject tag without a number in {item!r}")
            if m.group("dash"):
                warnings.append(f"chronological_motion_list: subject given as ' - {tag}' in {item!r}")
            pairs.append(ChronoAction(m.group("action").strip(), subject))
            continue
        lead = _LEADING_TAG.match(item)
        if lead:
            warnings.append(f"chronological_motion_list: subject written before the action in {item!r}")
            pairs.append(ChronoAction(lead.group("action").strip(), _label(lead.group("label"), lead.group("num"))))
        elif m and tag is not None:
            warnings.append(
                f"chronological_motion_list: {tag!r} is not a subject tag in {item!r} (kept as the subject)"
            )
            pairs.append(ChronoAction(m.group("action").strip(), tag.strip()))
        else:
            warnings.append(f"chronological_motion_list: no subject tag in {item!r}")
            pairs.append(ChronoAction(item, None))
    return pairs, warnings


def parse_camera_motion(text: str) -> tuple[list[str], list[str]]:
    """``"Camera shakes, tilts downward, then pans left"`` -> ordered camera segments."""
    warnings: list[str] = []
    if not text.strip():
        return [], ["camera_motion: empty"]
    if re.search(r"\.\s+\S|;", text):
        warnings.append("camera_motion: '.' or ';' used as a separator")
    segments = [s.strip(_STRIP) for s in _CAMERA_SPLIT.split(text.strip())]
    return [s for s in segments if s], warnings


def parse_annotations(record: Mapping[str, Any]) -> ParsedAnnotations:
    """Parse the structured annotation strings of one video record (absent ones count as empty).

    ``num_subjects`` stays a raw string; it is only checked against the parsed subjects.
    """
    subjects, w1 = parse_subject_attributes(record.get("subject_attributes") or "")
    actions, w2 = parse_motion_list(record.get("motion_list") or "")
    chrono, w3 = parse_chronological_motion_list(record.get("chronological_motion_list") or "")
    camera, w4 = parse_camera_motion(record.get("camera_motion") or "")
    warnings = w1 + w2 + w3 + w4
    known = {s.label for s in subjects} | {s.label for s in actions}
    tagged = {c.subject for c in chrono if c.subject and _TAG.match(c.subject)}
    unknown = sorted(tagged - known)
    if unknown and subjects:
        warnings.append(f"chronological_motion_list: subject(s) {', '.join(unknown)} not listed in subject_attributes")
    num_subjects = record.get("num_subjects") or ""
    expected = _NUM_SUBJECTS.get(num_subjects.strip().lower())
    if num_subjects and expected is None:
        warnings.append(f"num_subjects: unusual value {num_subjects!r}")
    elif expected is not None and subjects and (len(subjects) > 1) != expected:
        warnings.append(f"num_subjects: {num_subjects!r} but subject_attributes lists {len(subjects)} subject(s)")
    return ParsedAnnotations(subjects, actions, chrono, camera, warnings)
