"""Video-clustered bootstrap intervals, paired comparison and McNemar on real result files of `favor-hf run`."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import SYNTHETIC
from favor_hf.data.favor_json import load_video_records
from favor_hf.mcq import mcq_accuracy
from favor_hf.models import load_adapter
from favor_hf.report_inputs import load_final_records
from favor_hf.runner import Sampling, run_benchmark
from favor_hf.stats import (
    ComparisonError,
    bootstrap_ratio,
    compare_runs,
    judge_records,
    mcnemar_exact,
    mcq_intervals,
)

FRAMES8 = Sampling(frames=8)
pytestmark = pytest.mark.filterwarnings("ignore::favor_hf.data.favor_json.FavorDataWarning")


def write_bench(folder, videos: int, start: int = 0):
    """A data directory with ``videos`` records of the full-size synthetic question set (no clips)."""
    records = json.loads((SYNTHETIC / "synthetic_video_perspective.json").read_text())[start : start + videos]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "video_perspective.json").write_text(json.dumps(records))
    return folder


def run_random(data_dir, out, seed: int, task: str = "mcq", sampling: Sampling = FRAMES8, limit=None):
    run_benchmark(
        load_adapter(f"random:{seed}"),
        load_video_records(data_dir),
        task,
        out,
        sampling=sampling,
        progress=False,
        limit=limit,
    )
    return out


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    return write_bench(tmp_path_factory.mktemp("stats") / "bench", 120)


@pytest.fixture(scope="module")
def runs(bench, tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    return run_random(bench, folder / "a.jsonl", 0), run_random(bench, folder / "b.jsonl", 1)


def test_mcnemar_exact_p_values():
    assert mcnemar_exact(0, 6) == pytest.approx(2 * 0.5**6)  # 0.03125
    assert mcnemar_exact(1, 9) == pytest.approx(2 * (1 + 10) / 2**10)
    assert mcnemar_exact(5, 5) == 1.0
    assert mcnemar_exact(0, 0) == 1.0


def test_intervals_are_seeded_and_cover_the_estimate(runs):
    records = load_final_records(runs[0])
    first, again = mcq_intervals(records), mcq_intervals(records)
    assert first == again
    other_seed = mcq_intervals(records, seed=1)
    assert other_seed != first
    accuracy = mcq_accuracy([r["output"] for r in records], [r["reference"] for r in records])
    assert set(first) == {key for key in accuracy if key in ("ALL", "AS", "HAC", "SAD", "MAD", "CM", "NSM")}
    for key, (low, high) in first.items():
        assert 0 <= low <= accuracy[key] <= high <= 100, key
    # NSM and small tasks are less certain than the whole set
    width = {key: high - low for key, (low, high) in first.items()}
    assert width["ALL"] < min(width[key] for key in first if key != "ALL")


def test_intervals_judge_after_reasoning_like_the_accuracy():
    ref = {"correct_answer": "Sits down", "options": ["Walks to the left", "Sits down"], "task_type": "AS"}
    records = [
        {
            "id": f"v{i}_1",
            "video": f"v{i}",
            "task_type": "AS",
            "reference": ref,
            "error": None,
            "output": "<think>Walks to the left? No.</think>(B) Sits down" if i % 2 else "Walks to the left",
        }
        for i in range(20)
    ]
    for judge in ("official", "strict"):
        accuracy = mcq_accuracy([r["output"] for r in records], [r["reference"] for r in records], judge=judge)
        assert judge_records(records, judge) == [bool(i % 2) for i in range(20)]
        low, high = mcq_intervals(records, judge)["ALL"]
        assert accuracy["ALL"] == 50.0 and low <= 50.0 <= high


def test_questions_of_one_video_move_together():
    # 40 videos of 5 questions, each video all right or all wrong: resampling videos sees
    # 40 independent units, resampling questions would wrongly see 200
    right = np.repeat(np.arange(40) % 2, 5).astype(float)
    clustered = bootstrap_ratio(right.reshape(40, 5).sum(axis=1, keepdims=True), np.full((40, 1), 5.0))
    independent = bootstrap_ratio(right[:, None], np.ones((200, 1)))
    clustered_width = clustered[1][0] - clustered[0][0]
    independent_width = independent[1][0] - independent[0][0]
    assert clustered_width > 1.8 * independent_width


def test_paired_comparison_counts_flips_and_matches_mcnemar(runs):
    a, b = (load_final_records(path) for path in runs)
    result = compare_runs(a, b, names=("a", "b"))
    right_a, right_b = judge_records(a), judge_records(b)
    ids = [r["id"] for r in a]
    assert result.gained == [i for i, x, y in zip(ids, right_a, right_b) if x and not y]
    assert result.lost == [i for i, x, y in zip(ids, right_a, right_b) if y and not x]
    overall = result.tasks[0]
    assert overall.task == "ALL" and overall.items == len(a) == result.common
    assert overall.difference == pytest.approx(100 * (sum(right_a) - sum(right_b)) / len(a))
    assert overall.p_value == pytest.approx(mcnemar_exact(len(result.gained), len(result.lost)))
    assert overall.interval[0] <= overall.difference <= overall.interval[1]
    # a run against itself: no difference, no flips, p = 1
    same = compare_runs(a, a)
    assert same.tasks[0].difference == 0 and same.tasks[0].interval == (0.0, 0.0) and same.tasks[0].p_value == 1.0


def test_compare_only_the_items_both_answered(bench, tmp_path, runs):
    partial = run_random(bench, tmp_path / "partial.jsonl", 1, limit=50)
    result = compare_runs(load_final_records(runs[0]), load_final_records(partial))
    assert result.common == 50 and result.only_a == len(load_final_records(runs[0])) - 50 and result.only_b == 0


def test_compare_refuses_other_item_sets_or_sampling_unless_told(bench, tmp_path, runs):
    other_items = run_random(write_bench(tmp_path / "other", 60, start=60), tmp_path / "other.jsonl", 1)
    with pytest.raises(ComparisonError, match="different item sets .*--intersection"):
        compare_runs(load_final_records(runs[0]), load_final_records(other_items))
    result = compare_runs(load_final_records(runs[0]), load_final_records(other_items), intersection=True)
    assert result.common == len(load_final_records(other_items)) and result.notes
    fps = run_random(bench, tmp_path / "fps.jsonl", 1, sampling=Sampling(fps=1.0))
    with pytest.raises(ComparisonError, match="different frame sampling"):
        compare_runs(load_final_records(runs[0]), load_final_records(fps))


def test_compare_and_score_commands(runs, tmp_path, bench):
    fps = run_random(bench, tmp_path / "fps.jsonl", 1, sampling=Sampling(fps=1.0))
    cli = [sys.executable, "-m", "favor_hf"]
    done = subprocess.run(
        [*cli, "compare", str(runs[0]), str(runs[1]), "--json", str(tmp_path / "c.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "McNemar p" in done.stdout and "right in A only" in done.stdout
    saved = json.loads((tmp_path / "c.json").read_text())
    assert saved["tasks"][0]["task"] == "ALL" and len(saved["tasks"][0]["interval"]) == 2
    refused = subprocess.run([*cli, "compare", str(runs[0]), str(fps)], capture_output=True, text=True, check=False)
    assert refused.returncode == 1 and "pass --intersection" in refused.stderr
    scored = subprocess.run([*cli, "score", "--results", str(runs[0])], capture_output=True, text=True, check=True)
    intervals = mcq_intervals(load_final_records(runs[0]))
    all_line = next(line for line in scored.stdout.splitlines() if line.startswith("ALL "))
    assert f"[{intervals['ALL'][0]:.2f}, {intervals['ALL'][1]:.2f}]" in all_line
    assert "95% CI (videos resampled)" in scored.stdout


def test_caption_runs_are_compared_per_video(tmp_path, minilm):
    from favor_hf.caption import score_captions
    from favor_hf.stats import compare_caption_runs

    bench = write_bench(tmp_path / "bench", 6)
    runs = [load_final_records(run_random(bench, tmp_path / f"c{seed}.jsonl", seed, task="caption")) for seed in (0, 1)]
    # the reference caption against the random baseline's constant caption, on the same videos
    runs[1] = [{**r, "model": "reference", "output": r["reference"]["caption"]} for r in runs[1]]
    scores = []
    for records in runs:
        details = score_captions(
            [r["output"] for r in records], [r["reference"] for r in records], model_name=minilm, return_details=True
        )["details"]
        scores.append({r["id"]: d["final_score"] for r, d in zip(records, details)})
    result = compare_caption_runs(*runs, *scores, names=("random", "reference"))
    row = result.tasks[0]
    assert row.items == 6 and result.kind == "caption"
    assert row.difference == pytest.approx(100 * np.mean([scores[0][k] - scores[1][k] for k in scores[0]]))
    assert row.interval[0] <= row.difference <= row.interval[1] and row.interval[1] < 0
    assert row.a_only + row.b_only <= 6 and row.p_value == pytest.approx(mcnemar_exact(row.a_only, row.b_only))
    assert "sign test p" in result.format() and "higher in B" in result.format()
