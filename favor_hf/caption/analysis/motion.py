"""A motion-aware companion to the LLM-free caption score: contradictions are not matches.

The official step 2 matches meanings with Sentence-BERT, which places "pans left" next to
"pans right"; a caption with every direction reversed scores like the right one. This module
reads the alignment the official score made (``score_captions(..., return_details=True)``)
and never changes it or the 13 official scores. It marks each matched pair (camera segment,
subject action, chronological action) whose two sides contradict each other, drops those
pairs, and recomputes precision, recall and order of the affected parts from the pairs that
remain, with the official formulas (:mod:`favor_hf.caption.score.match`) and weights. The
result, ``motion_score`` and its parts, is reported beside the official numbers under its
own signature (``cfg:official+motion-v2``). A video without contradictions keeps its
official values exactly; a dropped pair is not re-matched to another action.

The rule (version ``motion-v2``), on the lower-cased words of the two sides of a pair, then
on the order of the chronology's pairs:

- **Opposite poles of one axis.** Each side names, per axis of :data:`AXES`, the poles its
  words point to. The pair contradicts on an axis when each side names exactly one pole
  and the poles differ. A side naming both poles ("moves up and down", "back and forth")
  or neither ("turns" against "turns left") never contradicts; axes never meet ("turns
  left" against "looks up" is no conflict).
- **Negation.** A side with "not", "n't", "never", "cannot" or "no longer" is negated.
  Exactly one negated side contradicts ("does not sit down" against "sits down"); two
  negated sides compare nothing. A camera segment is *still* when negated or static
  ("static", "stationary", "still", "fixed", "motionless"), *moving* when it names a camera
  movement (pans, tilts, zooms, dollies, trucks, tracks, follows, shakes, ...) or a direction;
  still against moving contradicts, and a segment that says neither ("Camera ", what step 1
  leaves of a caption silent about the camera) contradicts nothing. Step 1 often cuts the negation off a predicted action ("does not turn
  right" -> "turn righ"), so when the caption is known a predicted action is also negated
  when every place it occurs in the caption follows a negation word in the same clause.
- **Order** (new in ``motion-v2``). Of all the chronology's matched pairs, the longest chain
  whose reference actions never go back in time as the caption goes on is kept
  (:func:`in_order_chain`; among equally long chains, the one whose predicted actions come
  first); a pair outside it (and not already a contradiction of the rules above) tells its
  action out of the reference's order and is a contradiction of kind ``order``. It counts
  against precision and recall, and the order part is still judged, with the official
  formula, on the pairs the direction and negation rules left, so dropping the pair does not
  also forgive its disorder. The official score only softens its order part (15 % of the
  weight, at most halved) for such pairs, so that a caption telling the events backwards,
  whose formatting leads step 1 to extract more actions, can outscore the right one. The
  subjects' action lists and the camera segments are not judged for order.

The words of the axes, and the readings that keep a word off its axis:

- ``left/right``: left, right, leftward(s), rightward(s), "to his left", "truck left",
  "upper left"; not "right away/now/there/after/before/behind/next", not "left" read as
  the verb (followed by a determiner: "left the room" counts as ``in/out`` out).
- ``limb side``: "left"/"right" before a body part (hand, arm, leg, foot, eye, ...). A
  "left hand" against a "right hand" is a contradiction on this axis of its own, never a
  direction of motion: "waves his left hand" against "turns right" is no conflict.
- ``up/down``: up, upward(s), upper, upright, down, downward(s), lower, and the verbs
  raise, rise, lift, ascend, climb / lower, descend, drop ("tilts up", "pedestal down",
  "picks up", "puts down", "stands up", "sits down"); not the non-spatial phrasal verbs of
  :data:`_NOT_SPATIAL_UP_DOWN` ("wakes up", "slows down").
- ``forward/backward``: forward(s), forth, ahead, onward, backward(s), "back" after a movement
  verb ("steps back", "leans back"), camera "dolly/push/track in" and "dolly/pull/track
  out" or "pull back".
- ``toward/away``: toward(s), approaches, closer, nearer / away, recedes, retreats, farther.
- ``in/out``: enters, exits, leaves, into, inside, outside, "out of", and "in"/"out" right
  after a verb of going ("walks in", "comes out").
- ``zoom in/out``: "zooms in", "zoom-in" / "zooms out", "zoom-out".
- ``clockwise/counter-clockwise``: clockwise / counter-clockwise, counterclockwise,
  anticlockwise (with or without the hyphen).
- ``opening/closing``: open(s/ed/ing), unlocks / close(s/d/ing), shut(s), locks; not
  "close to", "close by", "close-up".
- ``sit/stand``: sits, kneels, crouches, squats, lies / stands.
- ``take/put``: picks, grabs, takes (not "takes a step/photo/seat/look..."), removes /
  places, sets down, releases (not "puts": "puts on" is dressing; "puts down" is ``up/down``).

The rule reads words only: it is offline, deterministic and the same on every CPU, and
it has no similarity threshold (the order rule and the recomputed order, :func:`order_score`,
decide by integer comparisons of action indices). What it does not see: contradictions
without these words ("walks" against "runs"), a direction the step-1 extraction cut off
("turns his head to the l"), wrong subjects, contradictions between pairs the official
alignment did not match, and a reordering of sentences step 1 extracts nothing from (the two
captions then have the same extraction and the same scores).

Example:
    >>> contradiction("Camera pans left", "Camera trucks to the right", "camera")["axis"]
    'left/right'
    >>> contradiction("does not sit down", "sits down", "chronology")["kind"]
    'negation'
    >>> contradiction("turns left", "looks up", "chronology") is None
    True
    >>> in_order_chain([(0, 0), (1, 3), (2, 1), (3, 2)])
    [0, 2, 3]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from favor_hf.caption.score.config import CaptionScoreConfig
from favor_hf.caption.score.match import harmonic_mean, match_precision_recall, order_score
from favor_hf.schema import MOTION_SCORE_KEYS

MOTION_RULE_VERSION = "motion-v2"
"""Names the rule in the companion's signature; bump it whenever a word or step changes."""


_W = frozenset
AXES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "left/right": (_W({"left", "leftward", "leftwards"}), _W({"right", "rightward", "rightwards"})),
    "limb side": (_W({"left-limb"}), _W({"right-limb"})),
    "up/down": (
        _W(
            {"up", "upward", "upwards", "upper", "upright", "raise", "raises", "raised", "raising", "rise", "rises"}
            | {"rising", "rose", "lift", "lifts", "lifted", "lifting", "ascend", "ascends", "ascending"}
            | {"climb", "climbs", "climbing"}
        ),
        _W(
            {"down", "downward", "downwards", "lower", "lowers", "lowered", "lowering", "descend", "descends"}
            | {"descending", "drop", "drops", "dropped", "dropping"}
        ),
    ),
    "forward/backward": (
        _W({"forward", "forwards", "forth", "ahead", "onward", "onwards", "depth-in"}),
        _W({"backward", "backwards", "depth-back"}),
    ),
    "toward/away": (
        _W({"toward", "towards", "approach", "approaches", "approaching", "closer", "nearer"}),
        _W({"away", "recede", "recedes", "receding", "retreat", "retreats", "retreating", "farther"}),
    ),
    "in/out": (
        _W({"enter", "enters", "entered", "entering", "into", "inside", "particle-in"}),
        _W(
            {"exit", "exits", "exited", "exiting", "leave", "leaves", "leaving", "verb-left", "outside", "particle-out"}
        ),
    ),
    "zoom in/out": (_W({"zoom-in", "zooms-in", "zoomed-in", "zooming-in"}), _W({"zoom-out", "zooms-out"})),
    "clockwise/counter-clockwise": (
        _W({"clockwise"}),
        _W({"counterclockwise", "counter-clockwise", "anticlockwise", "anti-clockwise"}),
    ),
    "opening/closing": (
        _W({"open", "opens", "opened", "opening", "unlock", "unlocks", "unlocked"}),
        _W({"close", "closes", "closed", "closing", "shut", "shuts", "shutting", "lock", "locks", "locked"}),
    ),
    "sit/stand": (
        _W({"sit", "sits", "sat", "sitting", "seated", "kneel", "kneels", "kneeling", "crouch", "crouches"})
        | _W({"crouching", "squat", "squats", "squatting", "lie", "lies", "lying"}),
        _W({"stand", "stands", "stood", "standing"}),
    ),
    "take/put": (
        _W({"pick", "picks", "picked", "picking", "grab", "grabs", "grabbed", "grabbing", "take", "takes", "took"})
        | _W({"taking", "remove", "removes", "removed", "removing"}),
        _W({"place", "places", "placed", "placing", "release", "releases", "released", "set-down"}),
    ),
}
"""Axis -> (words of one pole, words of the other). Words with a hyphenated marker
("particle-in", "right-limb", "set-down") are produced by :func:`_tokens` from context."""

_NEGATIONS = frozenset({"not", "never", "cannot", "no-longer"})
_STATIC_CAMERA = frozenset({"static", "stationary", "still", "fixed", "motionless", "locked-off"})
_CAMERA_MOVES = frozenset(
    "move moves moving pan pans panning tilt tilts tilting zoom zooms zooming dolly dollies dollying truck trucks "
    "trucking pedestal pedestals track tracks tracking rotate rotates rotating orbit orbits orbiting arc arcs "
    "follow follows following shake shakes shaking sweep sweeps crane cranes boom booms roll rolls rolling "
    "push pushes pull pulls".split()
)
_LIMBS = frozenset(
    "hand hands arm arms leg legs foot feet knee knees shoulder shoulders eye eyes ear ears elbow elbows wrist "
    "wrists palm palms fist fists finger fingers thumb thumbs hip hips cheek cheeks heel heels toe toes".split()
)
_RIGHT_ADVERB = frozenset({"away", "now", "there", "here", "after", "before", "behind", "next", "then"})
_DETERMINERS = frozenset({"the", "a", "an", "his", "her", "their", "its", "this", "that", "my", "your", "our"})
_GOING_VERBS = frozenset(
    "walk walks walked walking come comes came coming go goes went going step steps stepped stepping run runs ran "
    "running get gets got getting move moves moved moving rush rushes rushed jump jumps jumped climb climbs "
    "drive drives drove head heads headed crawl crawls swim swims fly flies pull pulls pulled pulling".split()
)
_CAMERA_DEPTH_VERBS = frozenset(
    "dolly dollies dollied dollying push pushes pushed pushing track tracks tracked tracking truck trucks".split()
)
_BACK_VERBS = _GOING_VERBS | frozenset("lean leans leaned leaning back backs backed rock rocks sway sways".split())
_NOT_SPATIAL_UP_DOWN = frozenset(
    "wake wakes woke set sets end ends show shows give gives make makes fill fills clean cleans calm calms slow "
    "slows write writes tie ties zip zips button buttons light lights sum sums mix mixes cheer cheers break "
    "breaks shut shuts warm warms cool cools".split()
)
_TAKE_NOT_GRASP = frozenset(
    "step steps photo photos picture pictures look seat breath sip bite selfie shot glance walk turn drink "
    "moment rest break few".split()
)
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_SPACED = (
    (re.compile(r"\b(counter|anti)[\s-]+clockwise\b"), r"\1clockwise"),
    (re.compile(r"\bno longer\b"), "no-longer"),
    (re.compile(r"\bcan ?not\b|n't\b"), " not"),
    (re.compile(r"\bclose-?ups?\b"), "closeup"),
    (re.compile(r"\b(zoom(?:s|ed|ing)?)[\s-]+(in|out)\b"), r"\1-\2"),
    (re.compile(r"\blocked[\s-]off\b"), "locked-off"),
)


def _tokens(phrase: str) -> list[str]:
    """The phrase's words, with context-dependent readings replaced by marker words."""
    text = phrase.lower()
    for pattern, replacement in _SPACED:
        text = pattern.sub(replacement, text)
    words = _WORD.findall(text)
    out = []
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        if word in ("left", "right") and after in _LIMBS:
            word = f"{word}-limb"
        elif word == "right" and (after in _RIGHT_ADVERB or before == "all"):
            continue
        elif word == "left" and after in _DETERMINERS and before not in _DETERMINERS | {"to", "on", "at"}:
            word = "verb-left"
        elif word in ("up", "down") and before in _NOT_SPATIAL_UP_DOWN:
            continue
        elif word == "close" and after in ("to", "by"):
            continue
        elif (
            word in ("take", "takes", "took", "taking")
            and after in ("a", "an")
            and _at(words, i + 2) in _TAKE_NOT_GRASP
        ):
            continue
        elif word in ("set", "sets") and after == "down":
            word = "set-down"
        elif word == "in" and before in _CAMERA_DEPTH_VERBS:
            word = "depth-in"
        elif word in ("out", "back") and before in _CAMERA_DEPTH_VERBS | {"pull", "pulls", "pulled", "pulling"}:
            word = "depth-back"
        elif word == "in" and before in _GOING_VERBS:
            word = "particle-in"
        elif word == "out" and (before in _GOING_VERBS or after == "of"):
            word = "particle-out"
        elif word == "back" and before in _BACK_VERBS:
            word = "depth-back"
        out.append(word)
    return out


def _at(words: Sequence[str], index: int) -> str:
    return words[index] if index < len(words) else ""


def poles(phrase: str) -> dict[str, set[int]]:
    """Axis -> the poles (0, 1) the phrase's words point to, for the axes it names.

    Example:
        >>> poles("Camera dollies in and tilts up")
        {'up/down': {0}, 'forward/backward': {0}}
    """
    words = set(_tokens(phrase))
    named = {}
    for axis, sides in AXES.items():
        hit = {pole for pole, vocabulary in enumerate(sides) if words & vocabulary}
        if hit:
            named[axis] = hit
    return named


def is_negated(phrase: str) -> bool:
    """Whether the phrase denies its action ("does not move", "never turns")."""
    return bool(set(_tokens(phrase)) & _NEGATIONS)


def _camera_state(phrase: str) -> str | None:
    """``"still"`` (static, or a denied movement), ``"moving"`` (a movement or a direction), or None."""
    words = set(_tokens(phrase))
    if words & (_NEGATIONS | _STATIC_CAMERA):
        return "still"
    return "moving" if words & _CAMERA_MOVES or poles(phrase) else None


def opposite_axis(predicted: str, reference: str) -> str | None:
    """The first axis of :data:`AXES` on which the two phrases name one pole each, and different ones."""
    pred, ref = poles(predicted), poles(reference)
    for axis in AXES:
        one, other = pred.get(axis, set()), ref.get(axis, set())
        if len(one) == 1 and len(other) == 1 and one != other:
            return axis
    return None


_CLAUSE_END = re.compile(r"[.,;:!?\n]")


def negated_in_caption(action: str, caption: str) -> bool:
    """Whether each occurrence of the extracted ``action`` in ``caption`` follows a negation
    word in its clause ("the woman does not turn right" for the extracted "turn righ")."""
    needle = action.strip(" ,.;").lower()
    text = caption.lower()
    starts = [m.start() for m in re.finditer(r"(?<![a-z])" + re.escape(needle), text)] if needle else []
    return bool(starts) and all(is_negated(_CLAUSE_END.split(text[:start])[-1]) for start in starts)


def contradiction(
    predicted: str, reference: str, part: str = "chronology", caption: str | None = None
) -> dict[str, str] | None:
    """``{"kind": "negation"}`` or ``{"kind": "direction", "axis": ...}`` when the two sides
    of a matched pair contradict each other by the rule of this module, else None.
    ``caption``: the predicted caption the ``predicted`` action was extracted from, if known."""
    if part == "camera":
        states = {_camera_state(predicted), _camera_state(reference)}
        if states == {"still", "moving"}:
            return {"kind": "negation"}
        if "still" in states:
            return None
        axis = opposite_axis(predicted, reference)
        return {"kind": "direction", "axis": axis} if axis else None
    pred_negated = is_negated(predicted) or bool(caption and negated_in_caption(predicted, caption))
    ref_negated = is_negated(reference)
    if pred_negated != ref_negated:
        return {"kind": "negation"}
    if pred_negated:
        return None
    axis = opposite_axis(predicted, reference)
    return {"kind": "direction", "axis": axis} if axis else None


def matched_pairs(alignment: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """``(part, pair)`` for every matched pair of one video's alignment: camera, subject actions, chronology."""
    pairs = [("camera", pair) for pair in (alignment.get("camera") or {}).get("matched", [])]
    for subject in (alignment.get("subjects") or {}).get("actions", []):
        pairs += [("subject actions", pair) for pair in subject.get("matched", [])]
    pairs += [("chronology", pair) for pair in (alignment.get("chronology") or {}).get("matched", [])]
    return pairs


def in_order_chain(pairs: Sequence[tuple[int, int]]) -> list[int]:
    """Positions of the longest chain of ``(predicted index, reference index)`` pairs, taken
    by predicted index, whose reference indices never decrease (two predicted actions may
    match one reference action). Among equally long chains the one whose predicted indices
    come first wins, so the choice depends on indices only."""
    order = sorted(range(len(pairs)), key=lambda i: pairs[i])
    # longest[i]: the longest chain starting at order[i].
    longest = [1] * len(order)
    for i in range(len(order) - 1, -1, -1):
        for j in range(i + 1, len(order)):
            if pairs[order[j]][0] > pairs[order[i]][0] and pairs[order[j]][1] >= pairs[order[i]][1]:
                longest[i] = max(longest[i], longest[j] + 1)
    chain: list[int] = []
    need = max(longest, default=0)
    for i in range(len(order)):
        last = pairs[chain[-1]] if chain else None
        fits = last is None or (pairs[order[i]][0] > last[0] and pairs[order[i]][1] >= last[1])
        if need and longest[i] == need and fits:
            chain.append(order[i])
            need -= 1
    return chain


def _entry(part: str, pair: Mapping[str, Any], verdict: Mapping[str, str]) -> dict[str, Any]:
    return {
        "part": part,
        "predicted": pair["predicted"],
        "reference": pair["reference"],
        "similarity": pair.get("similarity"),
        **verdict,
    }


def _contradicted_pairs(
    alignment: Mapping[str, Any], caption: str | None
) -> list[tuple[Mapping[str, Any], dict[str, Any]]]:
    found = []
    for part, pair in matched_pairs(alignment):
        verdict = contradiction(pair["predicted"], pair["reference"], part, caption)
        if verdict:
            found.append((pair, _entry(part, pair, verdict)))
    contradicted = {id(pair) for pair, _ in found}
    chrono = (alignment.get("chronology") or {}).get("matched", [])
    kept = set(in_order_chain([(pair["predicted_indices"][0], pair["reference_index"]) for pair in chrono]))
    found += [
        (pair, _entry("chronology", pair, {"kind": "order"}))
        for i, pair in enumerate(chrono)
        if i not in kept and id(pair) not in contradicted
    ]
    return found


def contradictions(alignment: Mapping[str, Any], caption: str | None = None) -> list[dict[str, Any]]:
    """The matched pairs of one video's alignment that contradict, each
    ``{"part", "predicted", "reference", "similarity", "kind"[, "axis"]}`` (kind ``direction``,
    ``negation`` or, for chronology pairs out of the reference's order, ``order``);
    ``caption``: the predicted caption, if known (see :func:`negated_in_caption`)."""
    return [entry for _, entry in _contradicted_pairs(alignment, caption)]


def _kept(matched: Sequence[Mapping[str, Any]], dropped: set[int]) -> list[Mapping[str, Any]]:
    return [pair for pair in matched if id(pair) not in dropped]


def _match_scores(
    kept: Sequence[Mapping[str, Any]], num_predicted: int, num_reference: int, config: CaptionScoreConfig
) -> tuple[float, float, float]:
    """Precision, recall and F1 of the kept pairs by the official formula (:func:`match_precision_recall`)."""
    if not kept or not num_predicted or not num_reference:
        return 0.0, 0.0, 0.0
    precision, recall = match_precision_recall(
        [float(pair["similarity"]) for pair in kept],
        {pair["reference_index"] for pair in kept},
        num_predicted,
        num_reference,
        config,
    )
    return precision, recall, harmonic_mean(precision, recall)


def _mapping(kept: Sequence[Mapping[str, Any]]) -> dict[int, int]:
    return {pair["predicted_indices"][0]: pair["reference_index"] for pair in kept}


def _camera(video: Mapping[str, Any], dropped: set[int], config: CaptionScoreConfig) -> float:
    camera = video["alignment"]["camera"]
    kept = _kept(camera["matched"], dropped)
    if camera["no_reference_camera_motion"] or len(kept) == len(camera["matched"]):
        return float(video["camera_motion_score"])
    return _match_scores(kept, len(camera["predicted_segments"]), len(camera["reference_segments"]), config)[2]


def _subjects(video: Mapping[str, Any], dropped: set[int], config: CaptionScoreConfig) -> tuple[float, float, float]:
    subjects = video["alignment"]["subjects"]
    if not subjects["actions"]:
        return 0.0, 0.0, 0.0
    predicted = {entry["id"]: entry["actions"] for entry in subjects["predicted"]}
    rows, weights = [], []
    for entry in subjects["actions"]:
        kept = _kept(entry["matched"], dropped)
        if len(kept) == len(entry["matched"]):
            rows.append((entry["precision"], entry["recall"], entry["order"]))
        else:
            num_predicted = len(predicted[entry["predicted_subject"]])
            precision, recall, _ = _match_scores(kept, num_predicted, entry["weight"], config)
            rows.append((precision, recall, order_score(_mapping(kept), num_predicted, entry["weight"], config)))
        weights.append(entry["weight"])
    total = sum(weights)
    precision, recall, order = (sum(row[k] * w for row, w in zip(rows, weights)) / total for k in range(3))
    return precision, recall, order


def _chronology(
    video: Mapping[str, Any], dropped: set[int], out_of_order: set[int], config: CaptionScoreConfig
) -> tuple[float, float, float]:
    """Precision and recall of the pairs left after all contradictions; the order part judged, as
    the official score does, on the pairs left after the direction and negation rule, so that an
    action told out of order counts against precision and recall and is not forgiven by it."""
    chrono = video["alignment"]["chronology"]
    predicted, reference = chrono["predicted"], chrono["reference"]
    if not predicted or not reference:
        return 0.0, 0.0, 0.0
    ordered = _kept(chrono["matched"], dropped)
    kept = _kept(ordered, out_of_order)
    mapping = _mapping(kept)
    precision, recall, _ = _match_scores(kept, len(predicted), len(reference), config)
    agreements = [predicted[i]["subject"] == reference[j]["subject"] for i, j in mapping.items()]
    factor = 0.9 + 0.1 * (sum(agreements) / len(agreements) if agreements else 0.0)
    return precision * factor, recall * factor, order_score(_mapping(ordered), len(predicted), len(reference), config)


def motion_scores(
    video: Mapping[str, Any], config: CaptionScoreConfig | None = None, caption: str | None = None
) -> dict[str, Any]:
    """The companion scores of one video's details (``score_captions(..., return_details=True)``)
    and its contradictions; the official keys are only read. ``caption``: the predicted caption,
    if the prediction was one.

    A video without contradictions (or whose alignment is an error) keeps its official values.
    """
    config = config or CaptionScoreConfig()
    alignment = video.get("alignment") or {}
    pairs = [] if "error" in alignment else _contradicted_pairs(alignment, caption)
    found = [entry for _, entry in pairs]
    dropped = {id(pair) for pair, entry in pairs if entry["kind"] != "order"}
    out_of_order = {id(pair) for pair, entry in pairs if entry["kind"] == "order"}
    official = (
        video["camera_motion_score"],
        video["subject_precision_score"],
        video["subject_recall_score"],
        video["subject_order_score"],
        video["chrono_precision_score"],
        video["chrono_recall_score"],
        video["chrono_order_score"],
    )
    parts = (
        (
            _camera(video, dropped, config),
            *_subjects(video, dropped, config),
            *_chronology(video, dropped, out_of_order, config),
        )
        if found
        else official
    )
    total = config.final_score(parts)
    scores = dict(zip(MOTION_SCORE_KEYS, (*map(float, parts), float(total))))
    if not found:
        scores["motion_score"] = float(video["final_score"])
    return {**scores, "motion_contradictions": found}


def motion_signature(signature: str) -> str:
    """The companion's signature: the official one with ``cfg:<tag>`` -> ``cfg:<tag>+motion-v2``."""
    head, sep, tag = signature.rpartition("|cfg:")
    if not sep:
        raise ValueError(f"not a caption score signature (no cfg: field): {signature!r}")
    return f"{head}|cfg:{tag}+{MOTION_RULE_VERSION}"


def add_motion_scores(
    details: list[dict[str, Any]], config: CaptionScoreConfig, captions: Sequence[str | None] | None = None
) -> dict[str, Any]:
    """Add the companion to each video's details (in place) and return its means:
    :data:`MOTION_SCORE_KEYS`, ``motion_contradictions`` (pairs in all) and
    ``videos_with_motion_contradictions``. ``captions``: the predicted captions (None where a
    prediction was a step-1 extraction)."""
    for video, caption in zip(details, captions or [None] * len(details)):
        video.update(motion_scores(video, config, caption))
    means: dict[str, Any] = {
        key: float(np.mean([video[key] for video in details])) if details else 0.0 for key in MOTION_SCORE_KEYS
    }
    means["motion_contradictions"] = sum(len(video["motion_contradictions"]) for video in details)
    means["videos_with_motion_contradictions"] = sum(bool(video["motion_contradictions"]) for video in details)
    return means


def motion_summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The companion part of a ``score_captions`` result (empty when it has none): its signature,
    means and contradiction counts, kept apart from the official numbers."""
    if "motion_signature" not in result:
        return {}
    return {
        "signature": result["motion_signature"],
        "means": {key: result[key] for key in MOTION_SCORE_KEYS},
        "motion_contradictions": result["motion_contradictions"],
        "videos_with_motion_contradictions": result["videos_with_motion_contradictions"],
        "official": False,
    }
