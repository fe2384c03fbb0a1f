"""The motion-aware companion score: the contradiction rule, score_captions and the evaluate module."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import evaluate
import pytest

from conftest import DICTIONARY_PKL, GT_ANNOTATIONS, REFERENCE, REPO
from favor_hf.caption import MINILM_MODEL, score_captions
from favor_hf.caption.analysis.motion import (
    AXES,
    MOTION_SCORE_KEYS,
    contradiction,
    in_order_chain,
    motion_scores,
    motion_signature,
    opposite_axis,
)
from favor_hf.schema import CAPTION_SCORE_KEYS

ANNOTATIONS = json.loads(GT_ANNOTATIONS.read_text())
REFERENCE_EXTRACTION = json.loads((REFERENCE / "official_extract.seed0.json").read_text())
OFFICIAL_SCORES = json.loads((REFERENCE / "official_scores_isolated.seed0.json").read_text())
CAPTIONS = json.loads((REFERENCE / "captions.json").read_text())
VIDEOS = list(REFERENCE_EXTRACTION)

# (one pole, the other pole, axis): each checked in both directions.
OPPOSITES = [
    ("Camera pans left", "Camera pans to the right", "left/right"),
    ("walks to his left", "moves rightward", "left/right"),
    ("camera trucks left", "camera trucks right", "left/right"),
    ("raises his left hand", "raises his right hand", "limb side"),
    ("camera tilts up", "camera tilts downward", "up/down"),
    ("camera pedestals upward", "camera pedestals down", "up/down"),
    ("lifts the box up", "lowers the box", "up/down"),
    ("walks forward", "walks backward", "forward/backward"),
    ("camera dollies in", "camera pulls back", "forward/backward"),
    ("walks toward the camera", "walks away", "toward/away"),
    ("enters the room", "exits the room", "in/out"),
    ("walks in", "walks out of the room", "in/out"),
    ("camera zooms in", "camera zooms out", "zoom in/out"),
    ("rotates clockwise", "rotates counter-clockwise", "clockwise/counter-clockwise"),
    ("turns the knob clockwise", "turns the knob counter clockwise", "clockwise/counter-clockwise"),
    ("opens the door", "shuts the door", "opening/closing"),
    ("sits on the bench", "stands by the bench", "sit/stand"),
    ("picks the cup", "places the cup on the table", "take/put"),
]


@pytest.mark.parametrize(("one", "other", "axis"), OPPOSITES)
def test_opposite_poles_contradict_both_ways(one, other, axis):
    assert opposite_axis(one, other) == axis
    assert opposite_axis(other, one) == axis
    assert contradiction(one, other) == {"kind": "direction", "axis": axis}
    assert contradiction(one, one) is None and contradiction(other, other) is None


def test_every_axis_is_tested():
    assert {axis for _, _, axis in OPPOSITES} == set(AXES)


@pytest.mark.parametrize(
    ("predicted", "reference"),
    [
        ("turns left", "looks up"),  # different axes
        ("turns", "turns left"),  # one side names no direction
        ("walks", "walks forward"),
        ("moves up and down", "moves down"),  # both poles on one side
        ("sways back and forth", "moves forward"),
        ("waves his left hand", "turns right"),  # a limb is not a direction of motion
        ("turns to the left", "turns right away"),  # "right away" is not a direction
        ("wakes up", "lies down"),  # non-spatial "up"
        ("moves close to the table", "closes the door"),  # "close to" is not closing
        ("takes a step forward", "puts it down"),  # "takes a step" is not taking
        ("camera dollies in", "camera moves forward"),  # camera terms, same direction
        ("picks up the cup", "lifts the cup"),
        ("does not turn left", "does not turn right"),  # both negated
    ],
)
def test_no_false_conflict(predicted, reference):
    assert contradiction(predicted, reference) is None
    assert contradiction(reference, predicted) is None


def test_negation_does_not_match_its_positive():
    assert contradiction("he does not sit down", "sits down") == {"kind": "negation"}
    assert contradiction("sits down", "He doesn't sit down") == {"kind": "negation"}
    assert contradiction("never opens the door", "opens the door") == {"kind": "negation"}
    assert contradiction("The camera does not move", "Camera pans left", "camera") == {"kind": "negation"}
    assert contradiction("The camera is static", "Camera pans left", "camera") == {"kind": "negation"}
    assert contradiction("Camera dollies in", "Camera stationary", "camera") == {"kind": "negation"}
    # a still camera agrees with a denied movement; a caption silent about the camera claims nothing
    assert contradiction("The camera does not move", "Camera stationary", "camera") is None
    assert contradiction("Camera ", "Camera stationary", "camera") is None
    # "still" negates only a camera segment: a subject who "stands still" still stands.
    assert contradiction("stands still", "stands", "chronology") is None


def test_left_and_right_hand_are_a_limb_axis_of_their_own():
    assert opposite_axis("raises his left hand", "raises his right hand") == "limb side"
    assert opposite_axis("raises his left hand", "raises his left hand") is None
    assert opposite_axis("waves his left hand", "turns his head to the right") is None
    assert opposite_axis("moves his right arm to the left", "moves his right arm to the right") == "left/right"


@pytest.mark.parametrize(
    ("pairs", "chain"),
    [
        ([], []),
        ([(0, 0), (1, 1), (2, 2)], [0, 1, 2]),  # in order: all kept
        ([(0, 3), (1, 2), (2, 1), (3, 0)], [0]),  # reversed: one kept, the earliest predicted
        ([(0, 1), (1, 0)], [0]),  # a tie between two chains of one: the earliest predicted wins
        ([(0, 1), (1, 1), (2, 0)], [0, 1]),  # two predicted actions may match one reference action
        ([(0, 0), (1, 3), (2, 1), (3, 2)], [0, 2, 3]),  # one action told too early
        ([(2, 2), (0, 0), (1, 1)], [1, 2, 0]),  # positions in the input, taken by predicted index
    ],
)
def test_in_order_chain(pairs, chain):
    assert in_order_chain(pairs) == chain


def test_motion_signature_names_the_companion():
    official = "favor_caption|v:0.2.0|model:m@abc|words:w|nltk:3.10@n|seed:0|cfg:official"
    assert motion_signature(official) == official.replace("cfg:official", "cfg:official+motion-v2")
    with pytest.raises(ValueError, match="no cfg: field"):
        motion_signature("favor_caption|v:0.2.0")


def _score(predictions, references, **kwargs):
    return score_captions(
        predictions, references, model_name=MINILM_MODEL, dictionary_path=str(DICTIONARY_PKL), **kwargs
    )


def test_official_scores_unchanged_with_motion_aware():
    """The 13 official scores on the reference extractions stay the official ones to 1e-6."""
    result = _score(
        [REFERENCE_EXTRACTION[v] for v in VIDEOS],
        [ANNOTATIONS[v] for v in VIDEOS],
        return_details=True,
        motion_aware=True,
    )
    for video, detail in zip(VIDEOS, result["details"]):
        for key in CAPTION_SCORE_KEYS:
            assert detail[key] == pytest.approx(OFFICIAL_SCORES[video][key], abs=1e-6), (video, key)
        if not detail["motion_contradictions"]:
            assert detail["motion_score"] == detail["final_score"]
        else:
            assert detail["motion_score"] < detail["final_score"]
    assert result["signature"].endswith("|cfg:official")
    assert result["motion_signature"] == result["signature"] + "+motion-v2"
    assert set(MOTION_SCORE_KEYS) <= set(result)
    assert result["videos_with_motion_contradictions"] == sum(
        bool(d["motion_contradictions"]) for d in result["details"]
    )
    assert result["motion_score"] <= result["final_score"]


REFERENCE_RECORD = {
    "camera_motion": "Camera pans left, tilts up",
    "motion_list": "Subject 1: Man [walks forward, sits down, raises his hand, turns left]",
    "chronological_motion_list": (
        "walks forward (Subject 1), sits down (Subject 1), raises his hand (Subject 1), turns left (Subject 1)"
    ),
}


RIGHT = "The camera pans left and tilts up. A man walks forward, sits down, raises his hand and turns left."
MIRROR = "The camera pans right and tilts down. A man walks backward, stands up, lowers his hand and turns right."
NEGATED = "The camera pans left and tilts up. A man does not walk forward, does not sit down, raises his hand."
BACKWARDS = "The camera pans left and tilts up. A man turns left, raises his hand, sits down and walks forward."


@pytest.fixture(scope="module")
def scored():
    return _score([RIGHT, MIRROR, NEGATED, BACKWARDS], [REFERENCE_RECORD] * 4, return_details=True, motion_aware=True)


def test_companion_sees_a_mirror_and_a_negation(scored):
    ok, mirrored, denied = scored["details"][:3]
    assert ok["motion_contradictions"] == [] and ok["motion_score"] == ok["final_score"]
    axes = {c["axis"] for c in mirrored["motion_contradictions"]}
    assert {"left/right", "up/down", "forward/backward"} <= axes
    parts = {c["part"] for c in mirrored["motion_contradictions"]}
    assert {"camera", "subject actions", "chronology"} <= parts
    assert mirrored["motion_score"] < mirrored["final_score"] - 0.3
    assert ok["motion_score"] > mirrored["motion_score"]
    assert {c["kind"] for c in denied["motion_contradictions"]} == {"negation"}
    assert denied["motion_score"] < denied["final_score"]


def test_companion_sees_reversed_chronology(scored):
    ok, backwards = scored["details"][0], scored["details"][3]
    found = backwards["motion_contradictions"]
    # The official alignment matched turns left -> walks forward (0 -> 0), raises -> raises
    # (1 -> 2), sits -> sits (2 -> 1), walks forward -> turns left (3 -> 3): "sits down" is told
    # after an action that follows it; the other three still form a chain.
    chrono = [
        (p["predicted_indices"][0], p["reference_index"]) for p in backwards["alignment"]["chronology"]["matched"]
    ]
    assert chrono == [(0, 0), (1, 2), (2, 1), (3, 3)]
    assert [(c["kind"], c["part"], c["predicted"].strip(", ")) for c in found] == [("order", "chronology", "sits down")]
    assert ok["motion_contradictions"] == [] and ok["motion_score"] == ok["final_score"]
    official_drop = ok["final_score"] - backwards["final_score"]
    assert ok["motion_score"] - backwards["motion_score"] > official_drop + 0.05


def test_companion_is_deaf_to_ulps_of_similarity(scored):
    """Perturbing every matched pair's similarity by a few ulps leaves the contradictions as
    they are and moves the companion by float noise only: the rule decides on words and indices."""
    import copy

    import numpy as np

    for video in scored["details"]:
        moved = copy.deepcopy(video)
        for part in ("camera", "chronology"):
            for pair in moved["alignment"][part]["matched"]:
                pair["similarity"] = float(np.nextafter(np.nextafter(pair["similarity"], 2.0), 2.0))
        for subject in moved["alignment"]["subjects"]["actions"]:
            for pair in subject["matched"]:
                pair["similarity"] = float(np.nextafter(pair["similarity"], -2.0))
        again = motion_scores(moved)
        assert [(c["kind"], c["predicted"]) for c in again["motion_contradictions"]] == [
            (c["kind"], c["predicted"]) for c in video["motion_contradictions"]
        ]
        assert again["motion_score"] == pytest.approx(video["motion_score"], abs=1e-12)


def test_space_alignment_shows_contradictions(scored):
    from favor_hf.app import html_views

    mirrored = scored["details"][1]
    view = html_views.alignment_html(mirrored["alignment"], None, mirrored["motion_contradictions"])
    assert view.count('<tr class="contradiction">') == len(mirrored["motion_contradictions"])
    assert "contradiction: left/right" in view and '<tr class="matched">' not in view
    backwards = scored["details"][3]
    view = html_views.alignment_html(backwards["alignment"], None, backwards["motion_contradictions"])
    assert view.count('<tr class="contradiction">') == 1 and "contradiction: order" in view
    plain = html_views.alignment_html(mirrored["alignment"])
    assert '<tr class="contradiction">' not in plain and '<tr class="matched">' in plain
    scores = html_views.scores_html(scored, MINILM_MODEL)
    assert 'data-motion-key="motion_score"' in scores and "not official" in scores


def test_score_captions_command_with_motion_aware(tmp_path):
    predictions = tmp_path / "captions.json"
    predictions.write_text(json.dumps({video: CAPTIONS[video] for video in VIDEOS[:2]}))
    out, table = tmp_path / "scores.json", tmp_path / "scores.csv"
    args = ["--predictions", str(predictions), "--references", str(GT_ANNOTATIONS), "--subset"]
    args += ["--model", MINILM_MODEL, "--dictionary", str(DICTIONARY_PKL), "--out", str(out), "--csv", str(table)]
    done = subprocess.run(
        [sys.executable, "-m", "favor_hf", "score-captions", *args, "--motion-aware"],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    motion = result["motion_aware"]
    assert motion["signature"] == result["signature"] + "+motion-v2" and motion["official"] is False
    assert f"motion-aware companion (not official): {motion['signature']}" in done.stdout
    for video in VIDEOS[:2]:
        for key in CAPTION_SCORE_KEYS:  # the official numbers stay the official ones
            assert result["videos"][video][key] == pytest.approx(OFFICIAL_SCORES[video][key], abs=1e-6)
    header = table.read_text().splitlines()[0].split(",")
    assert header[-len(MOTION_SCORE_KEYS) :] == list(MOTION_SCORE_KEYS)


def test_evaluate_module_passes_motion_aware():
    module = evaluate.load(str(REPO / "metrics" / "favor_caption"))
    videos = VIDEOS[:3]
    records = [ANNOTATIONS[v] for v in videos]
    predictions = [CAPTIONS[v] for v in videos]
    from_module = module.compute(
        predictions=predictions, references=records, model_name=MINILM_MODEL, motion_aware=True
    )
    direct = _score(predictions, records, motion_aware=True)
    for key in (*CAPTION_SCORE_KEYS, *MOTION_SCORE_KEYS):
        assert from_module[key] == pytest.approx(direct[key], abs=1e-6), key
    assert from_module["motion_signature"] == direct["motion_signature"]
    plain = module.compute(predictions=predictions, references=records, model_name=MINILM_MODEL)
    assert "motion_score" not in plain and plain["signature"] == direct["signature"]


@pytest.mark.filterwarnings("ignore::favor_hf.data.favor_json.FavorDataWarning")
def test_score_report_and_compare_commands_with_motion_aware(tmp_path):
    from test_stats import run_random, write_bench

    bench = write_bench(tmp_path / "bench", 3)
    first = run_random(bench, tmp_path / "a.jsonl", 0, task="caption")
    second = run_random(bench, tmp_path / "b.jsonl", 1, task="caption")
    options = ["--caption-model", MINILM_MODEL, "--motion-aware"]

    def cli(*args: str) -> str:
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        done = subprocess.run([sys.executable, "-m", "favor_hf", *args], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    scores = tmp_path / "scores.json"
    assert "motion-aware companion (not official)" in cli(
        "score", "--results", str(first), *options, "--json", str(scores)
    )
    saved = json.loads(scores.read_text())
    assert (
        saved["signature"].endswith("|cfg:official") and saved["motion_signature"] == saved["signature"] + "+motion-v2"
    )
    assert "motion-aware x100 (companion)" in cli("report", str(first), "--no-validity", *options)
    assert "compared on the motion-aware companion score" in cli("compare", str(first), str(second), *options)


def test_benchmark_reversals_reorder_events_not_connectives():
    """The two reversed-chronology corruptions of benchmarks/caption_motion_validity.py on a real
    reference caption: sentences stay as written, and no connective is left as a clause."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from caption_motion_validity import clauses, reverse_chronology, reverse_sentences

    caption = next(
        c["caption"] for c in ANNOTATIONS.values() if c["caption"].count(". ") >= 2 and "Finally, " in c["caption"]
    )
    sentences = caption.split(". ")
    reversed_sentences = reverse_sentences(caption)
    assert reversed_sentences.startswith(sentences[0] + ".") and sorted(reversed_sentences.split()) == sorted(
        caption.split()
    )
    parts = clauses(caption)
    assert not {"Finally", "Then", "and", "Subsequently"} & set(parts)
    assert clauses(reverse_chronology(caption)) == [parts[0], *parts[:0:-1]]
    assert clauses("He sits down. Subsequently, he stands up, and then walks.") == [
        "He sits down",
        "he stands up",
        "walks",
    ]
