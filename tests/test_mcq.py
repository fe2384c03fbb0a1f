"""MCQ judges, per-task accuracy, upstream results files and the favor_mcq evaluate module."""

from __future__ import annotations

import json
import random

import evaluate
import pytest

from conftest import REPO, SYNTHETIC
from favor_hf.cli import main
from favor_hf.integrations.upstream import read_upstream_results, score_upstream_results
from favor_hf.mcq import (
    judge_official,
    judge_strict,
    mcq_accuracy,
    mentioned_options,
)
from favor_hf.schema import OFFICIAL_COUNTS, TASK_CODES
from favor_hf.synth import make_synthetic_benchmark

OPTIONS = ["Walks to the left", "Walks to the left and then stops", "Sits down", "Turns around", "Waves"]


@pytest.fixture(scope="module")
def full_set():
    records = json.loads((SYNTHETIC / "synthetic_video_perspective.json").read_text(encoding="utf-8"))
    return [q for r in records for q in r["questions"]]


def refs(questions):
    return [{k: q[k] for k in ("correct_answer", "options", "task_type")} for q in questions]


@pytest.mark.parametrize(
    ("output", "correct"),
    [
        ("He walks to the left.", True),
        ("WALKS TO THE LEFT", True),
        ("Walks to the left and then stops", False),  # a longer option containing the answer also occurs
        ("Walks to the left, or sits down", True),  # naming a non-containing option does not matter upstream
        ("Sits", False),
        ("", False),
        (None, False),
    ],
)
def test_official_judge(output, correct):
    assert judge_official(output, "Walks to the left", OPTIONS) is correct


def test_official_judge_keeps_upstream_case_sensitive_containment():
    # Upstream finds the containing options with a case-sensitive `in`: a containing option that
    # differs in case is not excluded, so this output counts as correct, exactly as upstream.
    options = ["Walks to the left", "walks to the left and then stops"]
    assert judge_official("walks to the left and then stops", "Walks to the left", options) is True


@pytest.mark.parametrize(
    ("output", "chosen"),
    [
        ("C", 2),
        ("(C)", 2),
        ("C.", 2),
        ("C) Sits down", 2),
        ("Option C", 2),
        ("Answer: C", 2),
        ("The answer is (C).", 2),
        ("Sits down", 2),
        ("C. Sits down", 2),
        ("sits down.", 2),
        ("Walks to the left and then stops", 1),
        ("A man sits down", 2),
        ("C. Waves", None),
        ("Sits down or waves", None),
        ("I am not sure", None),
        ("F", None),
        (None, None),
    ],
)
def test_strict_judge(output, chosen):
    index, correct = judge_strict(output, OPTIONS, "Sits down")
    assert index == chosen
    assert correct is (chosen == 2)


def test_mentioned_options_masks_options_inside_longer_ones():
    assert mentioned_options("Walks to the left and then stops", OPTIONS) == [1]
    assert mentioned_options("Walks to the left and then stops, then walks to the left", OPTIONS) == [0, 1]
    assert mentioned_options("(B) or turns around", OPTIONS) == [1, 3]


def test_full_set_perfect_wrong_and_full_counts(full_set):
    references = refs(full_set)
    perfect = mcq_accuracy([q["correct_answer"] for q in full_set], references)
    assert {k: perfect[k] for k in ("ALL", *TASK_CODES)} == {k: 100.0 for k in ("ALL", *TASK_CODES)}
    assert perfect["counts"] == OFFICIAL_COUNTS and perfect["hedged"] == 0
    wrong = [next((o for o in q["options"] if q["correct_answer"].lower() not in o.lower()), "") for q in full_set]
    assert mcq_accuracy(wrong, references, judge="strict")["ALL"] == 0.0
    assert mcq_accuracy(wrong, references)["ALL"] == 0.0
    half = mcq_accuracy([q["correct_answer"] for q in full_set[:100]], references[:100], full_counts=True)
    assert half["ALL"] == pytest.approx(100 * 100 / 8184) and half["counts"] == OFFICIAL_COUNTS


def test_judges_on_bare_options_differ_only_by_the_upstream_case_quirk(full_set):
    rng = random.Random(0)
    outputs = [rng.choice(q["options"]) for q in full_set]
    official = [judge_official(o, q["correct_answer"], q["options"]) for o, q in zip(outputs, full_set)]
    strict = [judge_strict(o, q["options"], q["correct_answer"])[1] for o, q in zip(outputs, full_set)]
    differ = [(o, q["correct_answer"]) for o, q, a, b in zip(outputs, full_set, official, strict) if a != b]
    # e.g. answer "Camera shakes", output the option "camera shakes, pans right": upstream's
    # case-sensitive containment check misses it, so the official judge accepts the output
    assert differ and all(a.lower() in o.lower() and a not in o for o, a in differ)
    assert 15 < mcq_accuracy(outputs, refs(full_set), judge="strict")["ALL"] < 25
    letters = ["ABCDE"[q["options"].index(q["correct_answer"])] for q in full_set]
    assert mcq_accuracy(letters, refs(full_set), judge="strict")["ALL"] == 100.0
    assert mcq_accuracy(letters, refs(full_set), judge="official")["ALL"] < 5


def test_absent_tasks_hedged_and_bad_input():
    ref = {"correct_answer": "Sits down", "options": OPTIONS, "task_type": "CM"}
    result = mcq_accuracy(["Sits down or waves", "(C)"], [ref, ref], judge="strict")
    assert set(result) == {"ALL", "CM", "counts", "correct", "hedged", "thinking"}
    assert result["ALL"] == 50.0 and result["hedged"] == 1 and result["correct"] == {"ALL": 1, "CM": 1}
    with pytest.raises(ValueError, match=r"references\[0\]: task_type 'XYZ'"):
        mcq_accuracy(["x"], [{**ref, "task_type": "XYZ"}])
    with pytest.raises(ValueError, match=r"references\[1\]: correct_answer 'Jumps' is not one of its options"):
        mcq_accuracy(["x", "y"], [ref, {**ref, "correct_answer": "Jumps"}])
    with pytest.raises(ValueError, match="2 predictions but 1 references"):
        mcq_accuracy(["x", "y"], [ref])
    with pytest.raises(ValueError, match="judge 'loose'"):
        mcq_accuracy(["x"], [ref], judge="loose")


@pytest.fixture(scope="module")
def upstream_file(tmp_path_factory):
    """A synthetic benchmark and an upstream-format results file judged by the official rule."""
    root = tmp_path_factory.mktemp("upstream")
    bench = make_synthetic_benchmark(root / "data", 6, seed=2, progress=False)
    rng = random.Random(1)
    lines = []
    for record in bench.records:
        entries = []
        for q in record["questions"]:
            output = rng.choice([q["correct_answer"], "(A)", rng.choice(q["options"])])
            entries.append(
                {
                    "task_type": q["task_type"],
                    "correct_answer": q["correct_answer"],
                    "output": output,
                    "judge": judge_official(output, q["correct_answer"], q["options"]),
                }
            )
        lines.append(json.dumps({record["video_name"]: entries}))
    path = root / "Model.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return bench, path


def test_upstream_results_stored_and_rejudged(upstream_file):
    bench, path = upstream_file
    stored = score_upstream_results(path)
    assert stored["checks"]["judge"] == "stored" and stored["checks"]["stored_true_without_answer_text"] == 0
    assert "hedged" not in stored
    questions = {r["video_name"]: r["questions"] for r in bench.records}
    rejudged = score_upstream_results(path, questions)
    assert rejudged["checks"]["official_disagrees_with_stored"] == 0
    assert {k: rejudged[k] for k in stored if k != "checks"} == {k: stored[k] for k in stored if k != "checks"}
    strict = score_upstream_results(path, questions, judge="strict")
    assert strict["ALL"] > stored["ALL"]  # "(A)" answers count under the strict judge only
    full = score_upstream_results(path, full_counts=True)
    assert full["counts"]["ALL"] == 8184 and full["ALL"] == pytest.approx(
        stored["ALL"] * stored["counts"]["ALL"] / 8184
    )


def test_upstream_results_errors(tmp_path, upstream_file):
    _, path = upstream_file
    torn = tmp_path / "torn.jsonl"
    torn.write_text(path.read_text(encoding="utf-8")[:-20], encoding="utf-8")
    with pytest.raises(ValueError, match=r"torn.jsonl:6: not a JSON line"):
        read_upstream_results(torn)
    missing = tmp_path / "missing.jsonl"
    missing.write_text(json.dumps({"v1": [{"task_type": "CM", "output": "x", "judge": True}]}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"missing.jsonl:1: video 'v1' entry 0: missing field\(s\) correct_answer"):
        read_upstream_results(missing)


def test_cli_score_mcq(upstream_file, capsys):
    bench, path = upstream_file
    assert main(["score-mcq", str(path), "--data-dir", str(bench.root), "--judge", "strict"]) == 0
    out = capsys.readouterr().out
    assert "judge: strict" in out and "ALL" in out and "disagrees with the stored judge on: 0" in out
    assert main(["score-mcq", str(path), "--full-counts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[str(path)]["counts"]["ALL"] == 8184
    assert main(["score-mcq", str(path.parent / "nope.jsonl")]) == 1


def test_evaluate_module_from_its_folder(full_set):
    metric = evaluate.load(str(REPO / "metrics" / "favor_mcq"))
    outputs = [random.Random(i).choice(q["options"] + ["(B)"]) for i, q in enumerate(full_set[:300])]
    for judge in ("official", "strict"):
        assert metric.compute(predictions=outputs, references=refs(full_set[:300]), judge=judge) == mcq_accuracy(
            outputs, refs(full_set[:300]), judge=judge
        )
    with pytest.raises(ValueError, match="judge 'loose': expected one of official, strict"):
        metric.compute(predictions=outputs[:1], references=refs(full_set[:1]), judge="loose")
