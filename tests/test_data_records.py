"""Reading and validating FAVOR JSON files (favor_hf.data.favor_json)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from conftest import GT_ANNOTATIONS, SYNTHETIC
from favor_hf.data.favor_json import (
    DataError,
    FavorDataWarning,
    LoadReport,
    iter_mcq_items,
    load_annotation_records,
    load_video_records,
)
from favor_hf.schema import ANNOTATION_FIELDS, OFFICIAL_COUNTS
from favor_hf.synth import write_mp4

ODD_ID = "26k-11-2-3|P1|3561|3966"


def write_clip(path: Path) -> Path:
    """A real 6-frame H.264 clip."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = np.random.default_rng(0).integers(0, 255, (6, 32, 32, 3), dtype=np.uint8)
    write_mp4(frames, path, fps=6)
    return path


def small_records() -> list[dict]:
    """Three synthetic records: a plain id, an id given with .mp4, and an id with '|'."""
    records = json.loads((SYNTHETIC / "synthetic_video_perspective.json").read_text(encoding="utf-8"))[:3]
    records[1]["video_name"] += ".mp4"
    records[2]["video_name"] = ODD_ID
    return records


def write_dir(root: Path, records: list[dict], questions: list[dict] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "video_perspective.json").write_text(json.dumps(records), encoding="utf-8")
    if questions is not None:
        (root / "question_perspective.json").write_text(json.dumps(questions), encoding="utf-8")
    return root


@pytest.fixture
def full_dir(tmp_path: Path) -> Path:
    shutil.copy(SYNTHETIC / "synthetic_video_perspective.json", tmp_path / "video_perspective.json")
    return tmp_path


def test_full_synthetic_set(full_dir: Path):
    report = LoadReport()
    records = load_video_records(full_dir, report)
    items = iter_mcq_items(records)
    assert len(records) == 1763 and len(items) == OFFICIAL_COUNTS["ALL"]
    counts = Counter(item["task_type"] for item in items)
    assert {**counts, "ALL": len(items)} == OFFICIAL_COUNTS
    assert items[0]["question_key"] == f"{records[0]['video_name']}_1"
    assert all(item["options"][item["answer_index"]] == item["correct_answer"] for item in items)
    assert all(item["video_path"] is None for item in items)
    assert len(report.missing_videos) == 1763
    # the synthetic file has no num_subjects: loaded as "" and counted
    assert all(r["num_subjects"] == "" for r in records)
    assert report.counts["annotation field 'num_subjects' absent (loaded as '')"] == 1763


def test_question_keys_from_question_perspective(full_dir: Path):
    shutil.copy(SYNTHETIC / "synthetic_question_perspective.json", full_dir / "question_perspective.json")
    qp = json.loads((full_dir / "question_perspective.json").read_text(encoding="utf-8"))
    items = iter_mcq_items(load_video_records(full_dir, LoadReport()))
    assert [i["question_key"] for i in items] == [q["question_key"] for q in qp]


def test_video_names_and_paths(tmp_path: Path):
    root = write_dir(tmp_path, small_records())
    clip = write_clip(root / "videos" / "FAVOR-Bench" / f"{ODD_ID}.mp4")
    report = LoadReport()
    with pytest.warns(FavorDataWarning, match="2 of 3 videos missing"):
        records = load_video_records(root)
    records = load_video_records(root, report)
    assert [r["video_name"] for r in records][1:] == [small_records()[1]["video_name"][:-4], ODD_ID]
    assert records[2]["video_path"] == str(clip.resolve())
    assert records[0]["video_path"] is None and len(report.missing_videos) == 2
    keys = [q["question_key"] for q in records[2]["questions"]]
    assert keys == [f"{ODD_ID}_{i}" for i in range(1, len(keys) + 1)]
    assert set(records[0]) >= {"video_name", "video_path", "questions", *ANNOTATION_FIELDS}


def _error(tmp_path: Path, records: list[dict], questions: list[dict] | None = None) -> str:
    with pytest.raises(DataError) as err:
        load_video_records(write_dir(tmp_path, records, questions), LoadReport())
    return str(err.value)


def test_malformed_json(tmp_path: Path):
    (tmp_path / "video_perspective.json").write_text('[{"video_name": "a",\n "questions": [}]', encoding="utf-8")
    with pytest.raises(DataError, match=r"video_perspective.json: malformed JSON at line 2, column"):
        load_video_records(tmp_path)


def test_record_without_questions(tmp_path: Path):
    records = small_records()
    del records[1]["questions"]
    message = _error(tmp_path, records)
    assert "video_perspective.json: record 1" in message and "missing field 'questions'" in message
    assert repr(records[1]["video_name"][:-4]) in message


def test_empty_questions_is_a_counted_warning(tmp_path: Path):
    records = small_records()
    records[0]["questions"] = []
    report = LoadReport()
    loaded = load_video_records(write_dir(tmp_path, records), report)
    assert len(loaded) == 3 and loaded[0]["questions"] == []
    assert sum(n for kind, n in report.counts.items() if "empty 'questions'" in kind) == 1


def test_unknown_task_type(tmp_path: Path):
    records = small_records()
    records[2]["questions"][1]["task_type"] = "XYZ"
    message = _error(tmp_path, records)
    assert f"record 2 (video_name {ODD_ID!r}): field 'questions[1]': field 'task_type' 'XYZ'" in message
    assert "AS, HAC, SAD, MAD, CM, NSM" in message


def test_correct_answer_not_among_options(tmp_path: Path):
    records = small_records()
    records[0]["questions"][0]["correct_answer"] = "Flies away"
    message = _error(tmp_path, records)
    assert "record 0" in message and "field 'correct_answer' 'Flies away' is not one of its options" in message


def test_missing_question_field_and_wrong_types(tmp_path: Path):
    records = small_records()
    del records[0]["questions"][2]["options"]
    assert "field 'questions[2]': missing field(s) 'options'" in _error(tmp_path / "a", records)
    records = small_records()
    records[1]["caption"] = 3
    assert "field 'caption' must be a string" in _error(tmp_path / "b", records)
    assert "expected a JSON list" in _error(tmp_path / "c", {"video_name": "x"})  # type: ignore[arg-type]


def test_duplicate_question_keys(tmp_path: Path):
    records = small_records()
    questions = [
        {"question_key": "dup" if i < 2 else f"{r['video_name']}_{i}", "video_name": r["video_name"], **q}
        for r in records
        for i, q in enumerate(r["questions"])
    ]
    message = _error(tmp_path, records, questions)
    assert "question_perspective.json: duplicate question_key 'dup'" in message


def test_question_perspective_must_match(tmp_path: Path):
    records = small_records()
    questions = [
        {"question_key": f"k{i}", "video_name": records[0]["video_name"], **q}
        for i, q in enumerate(records[0]["questions"])
    ]
    n = len(records[1]["questions"])
    assert f"has 0 questions but video_perspective.json has {n}" in _error(tmp_path, records, questions)
    questions[0]["question"] = "Something else?"
    assert "no question of video_name '00X3U' matches question 0" in _error(tmp_path / "b", records[:1], questions)


def test_question_perspective_in_another_order(tmp_path: Path):
    records = small_records()[:1]
    questions = [
        {"question_key": f"k{i}", "video_name": "00X3U.mp4", **q} for i, q in enumerate(records[0]["questions"])
    ]
    loaded = load_video_records(write_dir(tmp_path, records, questions[::-1]), LoadReport())
    assert [q["question_key"] for q in loaded[0]["questions"]] == [f"k{i}" for i in range(len(questions))]


def test_duplicate_video_names(tmp_path: Path):
    records = small_records()
    records[1]["video_name"] = records[0]["video_name"] + ".mp4"
    assert "duplicate video_name" in _error(tmp_path, records)


def test_official_annotations_file():
    report = LoadReport()
    records = load_annotation_records(GT_ANNOTATIONS, report)
    assert len(records) == 1776 and not report.counts
    assert {r["video_name"] for r in records} >= {ODD_ID, "91YZH"}
    assert all(r["video_path"] is None for r in records)


def test_annotation_layouts(tmp_path: Path):
    gt = json.loads(GT_ANNOTATIONS.read_text(encoding="utf-8"))
    rows = [{"video_name": k, **v} for k, v in list(gt.items())[:4]]
    jsonl = tmp_path / "train.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    listed = tmp_path / "train.json"
    listed.write_text(json.dumps(rows), encoding="utf-8")
    assert [r["video_name"] for r in load_annotation_records(jsonl)] == [
        r["video_name"] for r in load_annotation_records(listed)
    ]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"videos": [1, 2]}), encoding="utf-8")
    with pytest.raises(DataError, match="must map video ids to annotation objects"):
        load_annotation_records(bad)
    bad.write_text(json.dumps([{"video_name": "a", "label": 3}]), encoding="utf-8")
    with pytest.raises(DataError, match="none of the annotation fields"):
        load_annotation_records(bad)
    bad.write_text('{"video_name": "a", "caption": "x"}\n{"video_name": "b", "caption": \n', encoding="utf-8")
    with pytest.raises(DataError, match="malformed JSON Lines record at line 2"):
        load_annotation_records(bad)
