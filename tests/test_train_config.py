"""The ``train`` config reads LLaMA-Factory's ShareGPT video format besides the annotation layouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_data_records import write_clip

from favor_hf.data.builder import FavorBench
from favor_hf.data.export import export_dataset
from favor_hf.data.favor_json import DataError, LoadReport
from favor_hf.data.features import TRAIN
from favor_hf.data.sharegpt import (
    MISSING_FILE,
    REMOTE_URL,
    clip_name,
    parse_structured,
    render_structured,
)
from favor_hf.data.train_files import load_train_records

ANNOTATION = {
    "camera_motion": "Pans to the left, then static",
    "subject_attributes": "Subject 1: Man [Black hair, white top]",
    "motion_list": "Subject 1: Man [Walks in, Sits down]",
    "chronological_motion_list": "Walks in (Subject 1), Sits down (Subject 1)",
}


def sharegpt_records() -> list[dict]:
    """Five records: messages/role tags, conversations/from tags with a system, structured and JSON
    answers, a YouTube link and an absent file."""
    return [
        {
            "messages": [
                {"role": "user", "content": "<video>Describe the motion in the video."},
                {"role": "assistant", "content": "A man walks in and sits down."},
            ],
            "videos": ["clips/a.mp4"],
        },
        {
            "system": "You are a careful annotator.",
            "conversations": [
                {"from": "human", "value": "<video>\nDescribe the video."},
                {"from": "gpt", "value": render_structured({**ANNOTATION, "caption": "A man walks in."})},
            ],
            "videos": ["b.mp4"],
        },
        {
            "messages": [
                {"role": "user", "content": "<video>What happens?"},
                {"role": "assistant", "content": json.dumps({**ANNOTATION, "caption": "He sits."})},
            ],
            "videos": ["c.mp4"],
        },
        {
            "messages": [
                {"role": "user", "content": "<video>Describe the motion."},
                {"role": "assistant", "content": "A dog runs."},
            ],
            "videos": ["https://www.youtube.com/watch?v=abcDEF12345"],
        },
        {
            "messages": [
                {"role": "user", "content": "<video>Describe the motion."},
                {"role": "assistant", "content": "A cat jumps."},
            ],
            "videos": ["clips/gone.mp4"],
        },
    ]


def write_train(root: Path, records: list[dict], jsonl: bool = False) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    write_clip(root / "clips" / "a.mp4")
    write_clip(root / "videos" / "FAVOR-Train" / "b.mp4")  # found by name under the FAVOR-Train folder
    write_clip(root / "c.mp4")
    path = root / ("train.jsonl" if jsonl else "train.json")
    text = "".join(json.dumps(r) + "\n" for r in records) if jsonl else json.dumps(records)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("jsonl", [False, True])
def test_sharegpt_records_map_to_the_video_schema(tmp_path: Path, jsonl: bool):
    path = write_train(tmp_path, sharegpt_records(), jsonl)
    report = LoadReport()
    records = load_train_records(path, report=report)
    by_name = {r["video_name"]: r for r in records}
    assert list(by_name) == ["a", "b", "c", "abcDEF12345", "gone"]
    assert by_name["a"]["caption"] == "A man walks in and sits down." and by_name["a"]["camera_motion"] == ""
    assert by_name["a"]["video_path"] == str((tmp_path / "clips" / "a.mp4").resolve())
    assert by_name["b"]["video_path"] == str((tmp_path / "videos" / "FAVOR-Train" / "b.mp4").resolve())
    for name, caption in (("b", "A man walks in."), ("c", "He sits.")):
        assert {k: by_name[name][k] for k in ANNOTATION} == ANNOTATION and by_name[name]["caption"] == caption
    assert by_name["b"]["conversation"][0] == {"role": "system", "content": "You are a careful annotator."}
    assert by_name["b"]["conversation"][1] == {"role": "user", "content": "<video>\nDescribe the video."}
    assert by_name["abcDEF12345"]["video_path"] is None and by_name["gone"]["video_path"] is None
    assert by_name["gone"]["video_source"] == "clips/gone.mp4"
    assert report.counts[REMOTE_URL] == 1 and report.counts[MISSING_FILE] == 1
    assert "abcDEF12345" in report.examples[REMOTE_URL][0] and "gone" in report.examples[MISSING_FILE][0]


def test_builder_and_export_keep_the_conversation(tmp_path: Path):
    path = write_train(tmp_path / "data", sharegpt_records())
    builder = FavorBench(config_name="train", train_file=str(path), cache_dir=str(tmp_path / "cache"))
    builder.download_and_prepare()
    ds = builder.as_dataset(split="train")
    assert ds.features == TRAIN and ds.num_rows == 5
    assert ds[1]["subject_actions"] == [{"label": "Subject 1", "name": "Man", "actions": ["Walks in", "Sits down"]}]
    assert ds[3]["video"] is None and ds[3]["video_source"].startswith("https://")
    assert ds[0]["conversation"][1]["content"] == "A man walks in and sits down."

    result = export_dataset(tmp_path / "out", train=path)
    assert result.report.counts[REMOTE_URL] == 1 and result.missing_videos["train"] == ["abcDEF12345", "gone"]
    from datasets import load_dataset

    exported = load_dataset(str(tmp_path / "out"), "train", split="train")
    assert exported.features == TRAIN and exported["conversation"] == ds["conversation"]
    assert exported[0]["video"]["path"].endswith("videos/FAVOR-Train/a.mp4")


def test_annotation_layouts_still_load(tmp_path: Path):
    path = tmp_path / "train.json"
    path.write_text(json.dumps({"t1": {"caption": "A man walks.", **ANNOTATION}}), encoding="utf-8")
    write_clip(tmp_path / "videos" / "FAVOR-Train" / "t1.mp4")
    (record,) = load_train_records(path, report=LoadReport())
    assert record["video_path"] and record["conversation"] == [] and record["video_source"] is None


def test_repeated_clip_is_renamed_and_counted(tmp_path: Path):
    records = sharegpt_records()[:1] * 2
    report = LoadReport()
    loaded = load_train_records(write_train(tmp_path, records), report=report)
    assert [r["video_name"] for r in loaded] == ["a", "a_2"] and sum(report.counts.values()) > 0
    assert any("several records" in kind for kind in report.counts)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["messages"][0].update(content="Describe."), r"record 0: 0 <video> placeholder\(s\) .* 1 video"),
        (lambda r: r["messages"][1].update(role="robot"), r"record 0: field 'messages\[1\].role' is 'robot'"),
        (lambda r: r.pop("videos"), r"record 0: no field 'videos'"),
        (lambda r: r["messages"].pop(1), r"record 0: no assistant turn"),
    ],
)
def test_malformed_records_name_file_record_and_field(tmp_path: Path, change, message: str):
    records = sharegpt_records()[:1]
    change(records[0])
    path = write_train(tmp_path, records)
    with pytest.raises(DataError, match=message) as err:
        load_train_records(path, report=LoadReport())
    assert str(path) in str(err.value)


def test_structured_answers_round_trip_and_free_text_is_a_caption():
    record = {**ANNOTATION, "num_subjects": "1", "caption": "A man walks in."}
    assert parse_structured(render_structured(record)) == record
    assert parse_structured("A man walks in.\nCamera motion: static") is None
    assert parse_structured("Camera motion: static") is None  # one label alone is ordinary text
    assert clip_name("https://example.org/koala/xyz.mp4") == "xyz"
