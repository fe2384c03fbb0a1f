"""Parsers of FAVOR annotation strings, on the official ground-truth annotations."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from conftest import GT_ANNOTATIONS
from favor_hf.annotations import (
    ChronoAction,
    parse_annotations,
    parse_camera_motion,
    parse_chronological_motion_list,
    parse_motion_list,
    parse_subject_attributes,
)


@pytest.fixture(scope="module")
def gt() -> dict[str, dict[str, str]]:
    return json.loads(GT_ANNOTATIONS.read_text(encoding="utf-8"))


def _words(text: str) -> Counter[str]:
    return Counter(w.lower() for w in re.findall(r"[A-Za-z]+", text))


def test_regular_record(gt):
    parsed = parse_annotations(gt["91YZH"])
    assert parsed.parse_warnings == []
    assert [(s.label, s.name, s.attributes) for s in parsed.subjects] == [
        ("Subject 1", "Man", ["Black skin", "plaid shirt", "black pants"])
    ]
    assert parsed.subject_actions[0].actions == [
        "Walks forward",
        "bends down",
        "takes items out of the bag",
        "places them on the bench",
        "stands upright",
    ]
    assert parsed.chronological_actions[:2] == [
        ChronoAction("Walks forward", "Subject 1"),
        ChronoAction("Bends down", "Subject 1"),
    ]
    assert parsed.camera_segments == [
        "Camera shakes",
        "tilts downward",
        "shaky camera movement",
        "pans to the upper left",
    ]


def test_multiple_subjects_on_one_line():
    subjects, warnings = parse_subject_attributes(
        "Subject 1: Man [Gray shirt, blue pants] Subject 2: Man [Pink shirt] Subject 3: Cat [Gray fur]"
    )
    assert [(s.label, s.name, s.attributes) for s in subjects] == [
        ("Subject 1", "Man", ["Gray shirt", "blue pants"]),
        ("Subject 2", "Man", ["Pink shirt"]),
        ("Subject 3", "Cat", ["Gray fur"]),
    ]
    assert warnings == []


def test_first_person_subject_without_attributes(gt):
    subjects, warnings = parse_subject_attributes(gt["27k-12-4-3|P1|4966|5375"]["subject_attributes"])
    assert [(s.label, s.name, s.attributes) for s in subjects] == [("Subject 1", "First-person subject", [])]
    assert warnings == []


@pytest.mark.parametrize(
    "text, expected, warning",
    [
        ("Subject1: Girl [pink shirt, blue pants]", ("Subject 1", "Girl", ["pink shirt", "blue pants"]), "no space"),
        (
            "Subject: Woman [Wearing glasses, gray shirt]",
            ("Subject", "Woman", ["Wearing glasses", "gray shirt"]),
            "no subject number",
        ),
        (
            "Subject 1: A man (plaid shirt, blue jeans)",
            ("Subject 1", "A man", ["plaid shirt", "blue jeans"]),
            "parentheses",
        ),
        ("Subject 1: [Checkered shirt, black pants]", ("Subject 1", "", ["Checkered shirt", "black pants"]), "no name"),
        (
            "Character 1: Yellow anime character[White clothes]",
            ("Character 1", "Yellow anime character", ["White clothes"]),
            "'Character'",
        ),
    ],
)
def test_irregular_subject_attributes(text, expected, warning):
    subjects, warnings = parse_subject_attributes(text)
    assert [(s.label, s.name, s.attributes) for s in subjects] == [expected]
    assert any(warning in w for w in warnings), warnings


def test_repeated_subject_header_is_kept_separate(gt):
    subjects, warnings = parse_subject_attributes(gt["3T785"]["subject_attributes"])
    assert [s.attributes[0] for s in subjects] == ["Striped shirt", "Purple shirt"]
    assert any("repeated header 'Subject 1'" in w for w in warnings)


def test_motion_list_repeated_headers_merge_in_order():
    actions, warnings = parse_motion_list(
        "Subject 1: Man [Sits on a chair], Subject 1: Man [Reads a book], Subject 2: Dog [Barks]"
    )
    assert [(s.label, s.name, s.actions) for s in actions] == [
        ("Subject 1", "Man", ["Sits on a chair", "Reads a book"]),
        ("Subject 2", "Dog", ["Barks"]),
    ]
    assert sum("repeated header" in w for w in warnings) == 1


def test_motion_list_without_brackets_and_with_trailing_actions():
    actions, warnings = parse_motion_list("Subject 1: Closes the door with the left hand, turns right, walks")
    assert [(s.name, s.actions) for s in actions] == [
        ("", ["Closes the door with the left hand", "turns right", "walks"])
    ]
    assert any("not in brackets" in w for w in warnings)
    actions, warnings = parse_motion_list("Subject 1: A man [Speaks], Looks downward, Looks forward")
    assert actions[0].actions == ["Speaks", "Looks downward", "Looks forward"]
    assert any("text after the brackets" in w for w in warnings)


def test_motion_list_attributes_then_actions():
    actions, warnings = parse_motion_list(
        "Subject 1: [Blonde hair, orange top] [Enters from the right side, turns head]"
    )
    assert (actions[0].name, actions[0].actions) == (
        "Blonde hair, orange top",
        ["Enters from the right side", "turns head"],
    )
    assert any("first bracket group is taken as the name" in w for w in warnings)


def test_chronological_irregular_forms():
    pairs, warnings = parse_chronological_motion_list(
        "Opens the door (Subject 1); Bends down (subject 2), Holds the rope - Subject 1, "
        "Character 1 (yellow) presses a button, Water flows (scene), Camera zooms in, Sits (Subject)"
    )
    assert [(p.action, p.subject) for p in pairs] == [
        ("Opens the door", "Subject 1"),
        ("Bends down", "Subject 2"),
        ("Holds the rope", "Subject 1"),
        ("presses a button", "Character 1"),
        ("Water flows", "scene"),
        ("Camera zooms in", None),
        ("Sits", "Subject"),
    ]
    for expected in (
        "';' used",
        "' - ",
        "before the action",
        "not a subject tag",
        "no subject tag",
        "without a number",
    ):
        assert any(expected in w for w in warnings), expected


def test_action_with_commas_inside_parentheses_stays_whole():
    pairs, _ = parse_chronological_motion_list("Picks up (slowly, carefully) a cup (Subject 1), Drinks (Subject 1)")
    assert [p.action for p in pairs] == ["Picks up (slowly, carefully) a cup", "Drinks"]


@pytest.mark.parametrize(
    "text, segments, irregular",
    [
        ("Stationary", ["Stationary"], False),
        ("Pans left, then static", ["Pans left", "static"], False),
        (
            "Camera pans to the right and then remains stationary",
            ["Camera pans to the right", "remains stationary"],
            False,
        ),
        (
            "Pans down and to the left, then becomes stationary",
            ["Pans down and to the left", "becomes stationary"],
            False,
        ),
        (
            "The camera remains still. Moves to the left. Moves forward.",
            ["The camera remains still", "Moves to the left", "Moves forward"],
            True,
        ),
        ("", [], True),
    ],
)
def test_camera_segments(text, segments, irregular):
    parsed, warnings = parse_camera_motion(text)
    assert parsed == segments
    assert bool(warnings) == irregular


def test_num_subjects_checked(gt):
    odd = [k for k, v in gt.items() if v["num_subjects"] == "A single subject"]
    assert any("unusual value 'A single subject'" in w for w in parse_annotations(gt[odd[0]]).parse_warnings)
    parsed = parse_annotations(
        {"num_subjects": "Single subject", "subject_attributes": "Subject 1: Man [a] Subject 2: Dog [b]"}
    )
    assert any("lists 2 subject(s)" in w for w in parsed.parse_warnings)


def test_all_official_records_parse_and_keep_every_word(gt):
    """All 1,776 records parse; every word of the source is in the parsed output or its warnings."""
    assert len(gt) == 1776
    irregular = Counter()
    for video_id, record in gt.items():
        parsed = parse_annotations(record)
        flat = {
            "subject_attributes": " ".join(f"{s.label} {s.name} {' '.join(s.attributes)}" for s in parsed.subjects),
            "motion_list": " ".join(f"{s.label} {s.name} {' '.join(s.actions)}" for s in parsed.subject_actions),
            "chronological_motion_list": " ".join(
                f"{c.action} {c.subject or ''}" for c in parsed.chronological_actions
            ),
            "camera_motion": " ".join(parsed.camera_segments) + " then and",
        }
        warnings = " ".join(parsed.parse_warnings)
        for field, text in flat.items():
            lost = _words(record[field]) - _words(text) - _words(warnings)
            lost -= Counter({"then": 99, "and": 99}) if field == "camera_motion" else Counter()
            assert not lost, (video_id, field, lost)
        assert parsed.to_dict()["subjects"] == [vars(s) for s in parsed.subjects]
        for field in {w.split(":")[0] for w in parsed.parse_warnings}:
            irregular[field] += 1
        irregular["records"] += bool(parsed.parse_warnings)
    assert irregular == Counter(
        records=124,
        motion_list=86,
        subject_attributes=35,
        chronological_motion_list=30,
        num_subjects=4,
        camera_motion=3,
    )
