"""Ground-truth annotations and multiple-choice questions for a synthetic scene.

Writes the six FAVOR annotation strings in the official shapes, e.g.
``"Subject 1: Red circle [Moves to the right, stops]"`` and
``"Moves to the right (Subject 1), Moves up (Subject 2), Stops (Subject 1)"``, and questions for
the tasks the motion supports: CM always; SAD for every subject; AS and HAC for subjects with
several actions; MAD when there are several subjects. Each question has five distinct options,
none containing another, so the official and strict judges agree on clean answers.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from favor_hf.motion_labels import CAMERA_CAPTIONS, CAMERA_MOTIONS, SUBJECT_ACTIONS
from favor_hf.synth.scene import SHAPE_WORDS, Scene, Subject

_NUM_OPTIONS = 5
_PLACES = {
    (1, 0): "to the right of",
    (-1, 0): "to the left of",
    (0, -1): "above",
    (0, 1): "below",
    (1, -1): "above and to the right of",
    (-1, -1): "above and to the left of",
    (1, 1): "below and to the right of",
    (-1, 1): "below and to the left of",
}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _options(correct: str, candidates: list[str], rng: np.random.Generator) -> list[str]:
    """``correct`` plus the first distinct distractors from ``candidates``, shuffled."""
    options = [correct]
    for candidate in candidates:
        if len(options) == _NUM_OPTIONS:
            break
        if candidate not in options:
            options.append(candidate)
    order = rng.permutation(len(options))
    return [options[i] for i in order]


def _question(
    question: str, correct: str, candidates: list[str], task: str, rng: np.random.Generator
) -> dict[str, Any]:
    return {
        "question": question,
        "options": _options(correct, candidates, rng),
        "correct_answer": correct,
        "task_type": task,
    }


def _sequence(labels: list[str]) -> str:
    phrases = [SUBJECT_ACTIONS[label] for label in labels]
    return ", then ".join([phrases[0]] + [_lower_first(p) for p in phrases[1:]])


def _order_question(who: str, subject: Subject, rng: np.random.Generator) -> dict[str, Any]:
    labels = [a.label for a in subject.actions]
    perms = [list(p) for p in itertools.permutations(labels) if list(p) != labels]
    vocab = list(SUBJECT_ACTIONS)
    others = [[str(x) for x in rng.choice(vocab, size=len(labels))] for _ in range(40)]
    candidates = [_sequence(p) for p in perms + others if all(a != b for a, b in itertools.pairwise(p))]
    return _question(f"In what order does {who} perform these actions?", _sequence(labels), candidates, "AS", rng)


def _place_phrase(step: tuple[int, int]) -> str:
    return f"Ends {_PLACES[step]} where it started"


def _summary_question(who: str, subject: Subject, rng: np.random.Generator) -> dict[str, Any] | None:
    net = subject.position(np.array([0.0, 1.0]))
    delta = net[1] - net[0]
    if np.abs(delta).max() < 0.1 * subject.speed:
        return None
    big = np.abs(delta) >= 0.35 * np.abs(delta).max()
    step = (int(np.sign(delta[0])) * int(big[0]), int(np.sign(delta[1])) * int(big[1]))
    places = list(_PLACES)
    others = [_place_phrase(places[int(i)]) for i in rng.permutation(len(places)) if places[int(i)] != step]
    question = f"Which option best summarizes the overall motion of {who}?"
    return _question(question, _place_phrase(step), others, "HAC", rng)


def _detail_question(who: str, subject: Subject, rng: np.random.Generator) -> dict[str, Any]:
    actions = subject.actions
    others = [SUBJECT_ACTIONS[label] for label in rng.permutation(list(SUBJECT_ACTIONS))]
    if len(actions) == 1:
        return _question(f"What does {who} do in the video?", actions[0].phrase, others, "SAD", rng)
    i = int(rng.integers(0, len(actions) - 1))
    question = f"What does {who} do right after it {_lower_first(actions[i].phrase)}?"
    return _question(question, actions[i + 1].phrase, others, "SAD", rng)


def _pair_question(scene: Scene, rng: np.random.Generator) -> dict[str, Any]:
    a, b = (scene.subjects[int(i)] for i in sorted(rng.choice(len(scene.subjects), size=2, replace=False)))

    def pair(first: str, second: str) -> str:
        return f"The {a.name.lower()} {_lower_first(SUBJECT_ACTIONS[first])} and the {b.name.lower()} {_lower_first(SUBJECT_ACTIONS[second])}"

    correct = pair(a.actions[0].label, b.actions[0].label)
    moves = [label for label in SUBJECT_ACTIONS if label != "stop"]
    combos = [(x, y) for x in moves for y in moves]
    candidates = [pair(*combos[int(i)]) for i in rng.permutation(len(combos))]
    question = f"What do the {a.name.lower()} and the {b.name.lower()} each do first?"
    return _question(question, correct, candidates, "MAD", rng)


def _bracketed(subjects: list[Subject], items: list[list[str]]) -> str:
    return "\n".join(
        f"Subject {k}: {s.name} [{', '.join(parts)}]" for k, (s, parts) in enumerate(zip(subjects, items), 1)
    )


def scene_record(scene: Scene, rng: np.random.Generator) -> dict[str, Any]:
    """The FAVOR video record of ``scene``: annotation strings and its questions."""
    subjects = scene.subjects
    chrono = sorted((a.start, k, a) for k, s in enumerate(subjects, 1) for a in s.actions)
    events = [f"the {subjects[k - 1].name.lower()} {_lower_first(a.phrase)}" for _, k, a in chrono]
    body = ", ".join(events[:-1]) + (", then " if len(events) > 1 else "") + events[-1]
    attributes = [[f"{s.color} color", SHAPE_WORDS[s.shape], "small size"] for s in subjects]
    motions = [[a.phrase if i == 0 else _lower_first(a.phrase) for i, a in enumerate(s.actions)] for s in subjects]

    questions = [
        _question(
            "How does the camera move during the video?",
            CAMERA_MOTIONS[scene.camera],
            [CAMERA_MOTIONS[c] for c in rng.permutation(list(CAMERA_MOTIONS))],
            "CM",
            rng,
        )
    ]
    for subject in subjects:
        who = f"the {subject.name.lower()}"
        questions.append(_detail_question(who, subject, rng))
        if len(subject.actions) > 1:
            questions.append(_order_question(who, subject, rng))
            summary = _summary_question(who, subject, rng)
            if summary:
                questions.append(summary)
    if len(subjects) > 1:
        questions.append(_pair_question(scene, rng))

    return {
        "video_name": scene.name,
        "questions": questions,
        "caption": f"{CAMERA_CAPTIONS[scene.camera]} {body[0].upper()}{body[1:]}.",
        "camera_motion": CAMERA_MOTIONS[scene.camera],
        "num_subjects": "Single subject" if len(subjects) == 1 else "Multiple subjects",
        "subject_attributes": _bracketed(subjects, attributes),
        "motion_list": _bracketed(subjects, motions),
        "chronological_motion_list": ", ".join(f"{a.phrase} (Subject {k})" for _, k, a in chrono),
    }
