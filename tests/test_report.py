"""`favor-hf report`: the paper-style table from real results files, subsets, intervals and caption validity."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest
from test_stats import run_random, write_bench

from favor_hf.caption import score_captions
from favor_hf.caption.analysis.validity import (
    direction_conflicts,
    opposite_axis,
    validity_summary,
)
from favor_hf.prompts import GENERIC_CAPTION
from favor_hf.report import build_report, input_setting
from favor_hf.report_inputs import ReportError, load_final_records, load_subsets
from favor_hf.stats import judge_records, mcq_intervals

pytestmark = pytest.mark.filterwarnings("ignore::favor_hf.data.favor_json.FavorDataWarning")

SYNTH_REFERENCE = {
    "caption": "The camera tilts upward. The orange circle moves down.",
    "camera_motion": "Tilts upward",
    "motion_list": "Subject 1: Orange circle [Moves down]",
    "chronological_motion_list": "Moves down (Subject 1)",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    bench = write_bench(folder / "bench", 40)
    return {
        "bench": bench,
        "mcq": run_random(bench, folder / "r0-mcq.jsonl", 0),
        "mcq1": run_random(bench, folder / "r1-mcq.jsonl", 1),
        "caption": run_random(bench, folder / "r0-caption.jsonl", 0, task="caption", limit=8),
    }


@pytest.fixture(scope="module")
def report(files, minilm):
    return build_report([files["mcq"], files["caption"], files["mcq1"]], caption_model=minilm)


def test_one_row_per_model_and_input_with_both_conventions(report, files):
    assert [row["ALL"] for row in report.rows] == sorted((row["ALL"] for row in report.rows), reverse=True)
    row = next(row for row in report.rows if row["model"] == "random:0")
    assert (
        row["input"] == "8 frames"
        and row["mcq file"] == str(files["mcq"])
        and row["caption file"] == str(files["caption"])
    )
    records = load_final_records(files["mcq"])
    correct = judge_records(records)
    assert row["ALL"] == pytest.approx(100 * sum(correct) / len(records))
    assert row["ALL official count"] == pytest.approx(100 * sum(correct) / 8184)
    assert (row["ALL low"], row["ALL high"]) == mcq_intervals(records)["ALL"]
    assert row["MCQ items"] == f"{len(records)} / {len(records)}"
    other = next(row for row in report.rows if row["model"] == "random:1")
    assert "LLM-free x100" not in other


def test_caption_columns_ceiling_floors_and_normalised(report, files):
    row = next(row for row in report.rows if row["model"] == "random:0")
    validity = row["validity"]
    # the random baseline writes the generic caption: it is the floor, so its normalised score is 0
    assert row["LLM-free x100"] == pytest.approx(100 * validity["floor_generic"], abs=1e-4)
    assert validity["normalised"] == pytest.approx(0.0, abs=1e-6)  # same caption, other embedding batches
    assert validity["ceiling"] > validity["floor_generic"] > validity["floor_empty"] >= 0
    assert row["LLM-free x100 low"] <= row["LLM-free x100"] <= row["LLM-free x100 high"]
    run = next(run for run in report.runs if run.task == "caption")
    assert len(run.validity["per_video"]) == 8 and run.validity["generic_caption"] == GENERIC_CAPTION


def test_markdown_csv_and_json(report):
    text = report.markdown()
    assert text.splitlines()[0].startswith("| model | input | MCQ items | ALL % |")
    assert "ALL % (official count)" in text and "normalised (ours)" in text and "not the paper's" in text
    table = list(csv.DictReader(io.StringIO(report.csv())))
    assert {r["model"] for r in table} == {"random:0", "random:1"} and "ALL low" in table[0]
    data = json.loads(json.dumps(report.to_json()))
    assert data["bootstrap"] == {"resamples": 2000, "seed": 0, "level": 0.95, "unit": "video"}
    assert {run["task"] for run in data["runs"]} == {"mcq", "caption"}


def test_subset_columns_from_a_mapping_file(files, minilm, tmp_path):
    records = load_final_records(files["mcq"])
    videos = list(dict.fromkeys(r["video"] for r in records))
    mapping = {video + ".mp4": ("third-person" if i % 3 else "ego-centric") for i, video in enumerate(videos[:-1])}
    (tmp_path / "subsets.json").write_text(json.dumps(mapping))
    with open(tmp_path / "subsets.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["video", "subset"])
        writer.writerows(mapping.items())
    assert load_subsets(tmp_path / "subsets.json") == load_subsets(tmp_path / "subsets.csv")
    subsets = load_subsets(tmp_path / "subsets.csv")
    report = build_report([files["mcq"], files["caption"]], subsets=subsets, caption_model=minilm, validity=False)
    row = report.rows[0]
    correct = judge_records(records)
    for name in ("third-person", "ego-centric"):
        picked = [c for r, c in zip(records, correct) if subsets.get(r["video"]) == name]
        assert row[f"MCQ ALL [{name}]"] == pytest.approx(100 * sum(picked) / len(picked))
        assert f"LLM-free [{name}]" in row
    assert report.subsets == ["ego-centric", "third-person"]
    assert any("1 mcq videos with questions are in no subset" in note for note in report.notes)
    assert "MCQ ALL [ego-centric] %" in report.markdown()


def test_bad_subset_files_name_the_file_and_record(tmp_path):
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(ReportError, match=r"list.json: expected a JSON object"):
        load_subsets(tmp_path / "list.json")
    (tmp_path / "bad.json").write_text('{"v1": 3}')
    with pytest.raises(ReportError, match=r"bad.json: video 'v1': subset 3 is not a non-empty string"):
        load_subsets(tmp_path / "bad.json")
    (tmp_path / "bad.csv").write_text("name,group\nv1,a\n")
    with pytest.raises(ReportError, match="bad.csv: a subset CSV needs a header with the columns video,subset"):
        load_subsets(tmp_path / "bad.csv")


def test_two_runs_of_one_kind_for_one_model_are_refused(files, minilm):
    with pytest.raises(ReportError, match="are both mcq runs of random:0"):
        build_report([files["mcq"], files["mcq"]], caption_model=minilm)


def test_input_setting_labels():
    assert input_setting("fps=1,max_side=448") == "1 fps"
    assert input_setting("frames=64") == "64 frames"
    assert input_setting("fps=2,max_side=448,video_input=video") == "2 fps (video)"


def test_direction_conflicts_are_flagged_in_matched_pairs(minilm):
    assert opposite_axis("Moves up", "Moves down") == "up/down"
    assert opposite_axis("turns to the left", "Turns right") == "left/right"
    assert opposite_axis("rotates counter-clockwise", "rotates clockwise") == "clockwise/counter-clockwise"
    assert opposite_axis("opens the door", "closes the door") == "opening/closing"
    assert opposite_axis("moves up and down", "moves down") is None
    assert opposite_axis("walks to the left", "walks to the left") is None
    wrong = "The camera tilts downward. The orange circle moves up."
    scored = score_captions([wrong], [SYNTH_REFERENCE], model_name=minilm, return_details=True)
    conflicts = direction_conflicts(scored["details"][0]["alignment"])
    assert {c["axis"] for c in conflicts} == {"up/down"}
    assert {c["part"] for c in conflicts} >= {"camera", "chronology"}
    summary = validity_summary(scored["details"], [SYNTH_REFERENCE], model_name=minilm)
    assert summary["direction_conflicts"] == len(conflicts) and summary["videos_with_conflicts"] == 1
    assert summary["per_video"][0]["ceiling"] == pytest.approx(
        score_captions([SYNTH_REFERENCE["caption"]], [SYNTH_REFERENCE], model_name=minilm)["final_score"]
    )


def test_report_command_writes_every_format(files, minilm, tmp_path):
    out = {ext: tmp_path / f"table.{ext}" for ext in ("md", "csv", "json")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "favor_hf",
            "report",
            str(files["mcq"]),
            str(files["caption"]),
            "--caption-model",
            minilm,
            "--markdown",
            str(out["md"]),
            "--csv",
            str(out["csv"]),
            "--json",
            str(out["json"]),
            "--resamples",
            "500",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("| model | input |") and "random:0 | 8 frames" in done.stdout
    assert out["md"].read_text().startswith("| model |")
    assert json.loads(out["json"].read_text())["bootstrap"]["resamples"] == 500
    assert "LLM-free x100" in out["csv"].read_text().splitlines()[0]
    bad = subprocess.run(
        [sys.executable, "-m", "favor_hf", "report", str(files["mcq"]), "--subsets", str(files["mcq"])],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and "--subsets" in bad.stderr


def test_report_and_compare_errors_name_the_flag(files):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for command in (
        ["report", str(files["caption"]), "--no-validity"],
        ["compare", str(files["caption"]), str(files["caption"])],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "favor_hf", *command, "--caption-model", "nobody/no-such-model"],
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
        assert done.returncode == 1 and "(--caption-model)" in done.stderr and "model_name=" not in done.stderr, command


def test_caption_scores_under_different_signatures_are_flagged(files, minilm, tmp_path):
    from favor_hf.report import assemble_report, score_run

    other = run_random(files["bench"], tmp_path / "r1-caption.jsonl", 1, task="caption", limit=8)
    runs = [
        score_run(files["caption"], caption_model=minilm, validity=False),
        score_run(other, caption_model=minilm, validity=False, official_hash_seed=1),
    ]
    signatures = [run.scores["signature"] for run in runs]
    assert signatures[0].startswith("favor_caption|") and "seed:0" in signatures[0] and "seed:1" in signatures[1]
    report = assemble_report(runs)
    assert [row["caption signature"] for row in report.rows] == signatures
    assert any("different score signatures" in note for note in report.notes)
    assert not any("signature" in note for note in assemble_report(runs[:1]).notes)
