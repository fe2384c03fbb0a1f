"""The favor_caption evaluate module and ``favor-hf score-captions``, end to end on real files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import evaluate
import pytest

from conftest import DICTIONARY_PKL, GT_ANNOTATIONS, REFERENCE, REPO
from favor_hf.caption import MINILM_MODEL, score_captions
from favor_hf.schema import CAPTION_SCORE_KEYS

ANNOTATIONS = json.loads(GT_ANNOTATIONS.read_text())
CAPTIONS = json.loads((REFERENCE / "captions.json").read_text())
SEEDS = range(5)
OFFICIAL = {seed: json.loads((REFERENCE / f"official_scores_isolated.seed{seed}.json").read_text()) for seed in SEEDS}


@pytest.fixture(scope="module")
def favor_caption():
    return evaluate.load(str(REPO / "metrics" / "favor_caption"))


def test_evaluate_module_with_captions_and_extractions(favor_caption):
    videos = list(CAPTIONS)[:4]
    records = [ANNOTATIONS[video] for video in videos]  # full FAVOR records, extra fields included
    from_module = favor_caption.compute(
        predictions=[CAPTIONS[video] for video in videos],
        references=records,
        model_name=MINILM_MODEL,
        return_details=True,
    )
    direct = score_captions(
        [CAPTIONS[video] for video in videos], records, model_name=MINILM_MODEL, dictionary_path=str(DICTIONARY_PKL)
    )
    assert from_module["num_videos"] == 4 and from_module["model_name"] == MINILM_MODEL
    assert from_module["signature"] == direct["signature"] and "|seed:0|" in direct["signature"]
    for key in CAPTION_SCORE_KEYS:
        assert 0.0 <= from_module[key] <= 1.0
        assert from_module[key] == pytest.approx(direct[key], abs=1e-6)
    assert len(from_module["details"]) == 4 and "alignment" in from_module["details"][0]

    extractions = [detail["extraction"] for detail in from_module["details"]]
    from_extractions = favor_caption.compute(predictions=extractions, references=records, model_name=MINILM_MODEL)
    assert from_extractions["final_score"] == pytest.approx(from_module["final_score"], abs=1e-6)


def test_evaluate_module_rejects_incomplete_reference(favor_caption):
    reference = {"camera_motion": "Camera pans left", "motion_list": "Subject 1: Man [walks]"}
    with pytest.raises(ValueError, match="has no field 'chronological_motion_list'"):
        favor_caption.compute(predictions=["A man walks."], references=[reference], model_name=MINILM_MODEL)


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "favor_hf", "score-captions", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_score_captions_command_end_to_end_fidelity(tmp_path):
    """The 120 reference captions, extracted and scored by favor-hf, equal the official run under seed 0."""
    out, table = tmp_path / "scores.json", tmp_path / "scores.csv"
    done = _cli(
        "--predictions",
        str(REFERENCE / "captions.json"),
        "--references",
        str(GT_ANNOTATIONS),
        "--subset",
        "--model",
        MINILM_MODEL,
        "--dictionary",
        str(DICTIONARY_PKL),
        "--out",
        str(out),
        "--csv",
        str(table),
    )
    assert done.returncode == 0, done.stderr
    assert f"model: {MINILM_MODEL}  videos: 120" in done.stdout
    assert "final_score" in done.stdout and "Scoring videos" in done.stderr
    result = json.loads(out.read_text())
    assert result["model_name"] == MINILM_MODEL and list(result["videos"]) == list(CAPTIONS)
    rows = list(csv.DictReader(table.open()))
    assert len(rows) == 120 and rows[0]["video_id"] == next(iter(CAPTIONS))
    assert float(rows[0]["final_score"]) == pytest.approx(
        result["videos"][rows[0]["video_id"]]["final_score"], abs=1e-6
    )

    assert f"signature: {result['signature']}" in done.stdout and "|seed:0|cfg:official" in result["signature"]
    for video, scores in result["videos"].items():  # equal to the official run under PYTHONHASHSEED=0
        for key in CAPTION_SCORE_KEYS:
            assert scores[key] == pytest.approx(OFFICIAL[0][video][key], abs=1e-6), (video, key)


def test_score_captions_command_reports_unpaired_videos(tmp_path):
    predictions = tmp_path / "predictions.json"
    predictions.write_text(json.dumps({"4_04_000415": "A man walks.", "no_such_video": "A dog runs."}))
    done = _cli(
        "--predictions", str(predictions), "--references", str(GT_ANNOTATIONS), "--out", str(tmp_path / "o.json")
    )
    assert done.returncode == 2
    assert "1 predictions have no reference (e.g. no_such_video)" in done.stderr
    assert "1775 references have no prediction" in done.stderr and "--subset" in done.stderr
    assert not (tmp_path / "o.json").exists()
