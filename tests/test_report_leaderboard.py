"""The Space leaderboard: intervals next to accuracies, runs grouped by item set, caption validity and signature."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from test_stats import run_random, write_bench

from favor_hf.app import leaderboard
from favor_hf.data.favor_json import load_video_records
from favor_hf.integrations.vlmevalkit import tsv_rows
from favor_hf.render import format_interval
from favor_hf.report_inputs import load_final_records
from favor_hf.stats import mcq_intervals

pytestmark = pytest.mark.filterwarnings("ignore::favor_hf.data.favor_json.FavorDataWarning")


@pytest.fixture(scope="module")
def board(tmp_path_factory, minilm):
    folder = tmp_path_factory.mktemp("board")
    results = folder / "results"
    results.mkdir()
    small = write_bench(folder / "small", 20)
    large = write_bench(folder / "large", 30)
    run_random(small, results / "small-r0.jsonl", 0)
    run_random(small, results / "small-r1.jsonl", 1)
    run_random(large, results / "large-r0.jsonl", 0)
    run_random(small, results / "caption-r0.jsonl", 0, task="caption", limit=5)
    (results / "foreign.jsonl").write_text(json.dumps({"id": "a", "output": "x"}) + "\n")
    # the same answers as small-r1, as VLMEvalKit writes them
    answers = {r["id"]: r["output"] for r in load_final_records(results / "small-r1.jsonl")}
    rows = tsv_rows(load_video_records(small))
    keys = [f"{row['video']}_{row['question_id'] + 1}" for row in rows]
    pd.DataFrame(rows).assign(prediction=[answers[k] for k in keys]).to_excel(
        results / "Random-1_FAVOR-Bench_8frame.xlsx", index=False
    )
    return results, leaderboard.build_leaderboard({"results": results}, caption_model=minilm)


def test_runs_over_different_item_sets_are_ranked_apart(board):
    _, board = board
    mcq = board.mcq
    assert board.files == 6
    vlmevalkit = mcq.set_index("file").loc["Random-1_FAVOR-Bench_8frame.xlsx"]
    r1 = mcq.set_index("file").loc["small-r1.jsonl"]
    assert vlmevalkit["model"] == "Random-1" and vlmevalkit["ALL"] == r1["ALL"] and vlmevalkit["group"] == r1["group"]
    assert board.problems == ["foreign.jsonl: a line has no 'task' field; is it a `favor-hf run` results file?"]
    assert mcq["group"].nunique() == 2
    for _, group in mcq.groupby("group"):
        assert list(group["rank"]) == list(range(1, len(group) + 1))
        assert list(group["ALL"]) == sorted(group["ALL"], reverse=True)
    large = mcq.set_index("file").loc["large-r0.jsonl"]
    assert large["rank"] == 1 and large["group"].startswith(f"{large['answered'].split(' / ')[1]} items #")
    assert any("2 different item sets" in note for note in board.notes)


def test_every_accuracy_has_its_interval(board):
    results, board = board
    row = board.mcq.set_index("file").loc["small-r0.jsonl"]
    intervals = mcq_intervals(load_final_records(results / "small-r0.jsonl"))
    for task, (low, high) in intervals.items():
        assert row[task + leaderboard.INTERVAL] == format_interval(low, high)
        assert low <= row[task] <= high
    assert not board.chart.empty


def test_caption_rows_show_validity_and_signature(board):
    _, board = board
    row = board.caption.iloc[0]
    assert row["normalised (ours)"] == pytest.approx(0.0, abs=1e-4)  # the random baseline's caption is the floor
    assert row["ceiling"] > row["floor (generic)"]
    assert row["signature"].startswith("favor_caption|")
    assert row["group"].endswith(" · signature #" + hashlib.sha1(row["signature"].encode()).hexdigest()[:8])
    assert row["final_score" + leaderboard.INTERVAL].startswith("[")
    assert any("not the paper's" in note for note in board.notes)
    assert 0.0 <= row["motion_score (companion)"] <= row["final_score"] + 1e-9  # companion beside, never ranking
    assert any("motion-aware companion, not official" in note for note in board.notes)
    assert "motion-aware x100 (companion)" in board.paper_table


def test_the_paper_table_pairs_mcq_and_caption_runs(board):
    _, board = board
    lines = board.paper_table.splitlines()
    assert lines[0].startswith("| model | input | MCQ items |")
    rows = [line for line in lines if line.startswith("| random:")]
    # random:0 twice (MCQ over two item sets; the caption run joins the first) and random:1
    assert len(rows) == 3
    assert sum(line.count(" / ") == 3 for line in rows) == 1  # items "n / n", then ceiling / generic / empty
