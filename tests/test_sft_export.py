"""``favor-hf sft-export``: FAVOR data -> LLaMA-Factory, TRL and Qwen2.5-VL SFT files."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_train_config import sharegpt_records, write_train

from favor_hf.data.favor_json import DataError, load_video_records
from favor_hf.data.sharegpt import parse_structured
from favor_hf.finetune.examples import STRUCTURED_FIELDS, build_examples, split_of
from favor_hf.finetune.export import export_sft
from favor_hf.prompts import CAPTION_PROMPT, MCQ_INSTRUCTION
from favor_hf.synth import make_synthetic_benchmark


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synth")
    make_synthetic_benchmark(root, 6, seed=3, width=64, height=48, seconds=1.0)
    return root


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "favor_hf", *args], check=False, capture_output=True, text=True, timeout=300
    )


def test_cli_writes_three_formats_split_by_video(synth_dir: Path, tmp_path: Path):
    out = tmp_path / "sft"
    run = _cli("sft-export", "--data-dir", str(synth_dir), "--out", str(out), "--mcq", "--heldout", "0.4")
    assert run.returncode == 0, run.stderr
    records = load_video_records(synth_dir)
    heldout = {r["video_name"] for r in records if split_of(r["video_name"], 0.4) == "heldout"}
    assert 0 < len(heldout) < len(records)  # this seed gives both splits
    assert f"heldout: {len(heldout)} videos" in run.stdout and "skipped (videos or items): 0 (nothing)" in run.stdout

    info = json.loads((out / "llamafactory" / "dataset_info.json").read_text())
    assert info["favor_train"] == {
        "file_name": "favor_train.json",
        "formatting": "sharegpt",
        "columns": {"messages": "messages", "videos": "videos"},
        "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"},
    }
    questions = sum(len(r["questions"]) for r in records)
    rows = {s: json.loads((out / "llamafactory" / f"favor_{s}.json").read_text()) for s in ("train", "heldout")}
    assert sum(map(len, rows.values())) == len(records) + questions
    for split, items in rows.items():
        for row in items:
            user, _ = row["messages"]
            assert user["content"].count("<video>") == len(row["videos"]) == 1 and Path(row["videos"][0]).is_file()
            assert (Path(row["videos"][0]).stem in heldout) == (split == "heldout")
    captions = [r for r in rows["train"] + rows["heldout"] if r["messages"][0]["content"] == "<video>" + CAPTION_PROMPT]
    assert sorted(r["messages"][1]["content"] for r in captions) == sorted(r["caption"] for r in records)

    trl = [json.loads(line) for line in (out / "trl" / "train.jsonl").read_text().splitlines()]
    assert len(trl) == len(rows["train"])
    from trl.data_utils import is_conversational

    assert all(is_conversational(row) for row in trl)
    assert trl[0]["prompt"][0]["content"][0]["type"] == "video"
    assert {row["kind"] for row in trl} == {"caption", "mcq"}

    qwen = json.loads((out / "qwen" / "heldout.json").read_text())
    assert len(qwen) == len(rows["heldout"])
    assert qwen[0]["conversations"][0]["value"].startswith("<video>\n") and qwen[0]["conversations"][1]["from"] == "gpt"
    mcq = [r for r in qwen if r["conversations"][0]["value"].startswith("<video>\n" + MCQ_INSTRUCTION)]
    assert mcq and all(r["conversations"][1]["value"] in r["conversations"][0]["value"] for r in mcq)


def test_train_file_skips_videos_without_a_clip_and_says_why(tmp_path: Path):
    path = write_train(tmp_path / "data", sharegpt_records())
    run = _cli(
        "sft-export", "--train", str(path), "--out", str(tmp_path / "sft"), "--format", "trl", "--prompt", "original"
    )
    assert run.returncode == 0, run.stderr
    assert "clip is a remote URL: 1 (e.g. abcDEF12345)" in run.stdout
    assert "clip file not found: 1 (e.g. gone)" in run.stdout
    rows = [json.loads(line) for line in (tmp_path / "sft" / "trl" / "train.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == ["a", "b", "c"]
    assert rows[1]["prompt"][0]["content"][1]["text"] == "Describe the video."  # the file's own prompt
    assert rows[1]["completion"][0]["content"][0]["text"] == "A man walks in."
    assert not (tmp_path / "sft" / "qwen").exists()


def test_structured_targets_and_annotation_mcq(tmp_path: Path):
    path = write_train(tmp_path, sharegpt_records())
    from favor_hf.data.train_files import load_train_records

    records = load_train_records(path)
    result = build_examples(records, target="structured", mcq=True)
    structured = {e.video_name: e.target for e in result.examples if e.kind == "structured"}
    assert set(structured) == {"b", "c"}  # "a" has a caption only
    assert parse_structured(structured["b"]) == {k: records[1][k] for k in STRUCTURED_FIELDS}
    assert result.skipped["empty structured target"] == 1
    assert not [e for e in result.examples if e.kind == "mcq"]  # two actions in all: too few for 5 options
    assert result.skipped["no MCQ item derivable from the annotations"] == 3

    moves = ["Walks in", "Sits down", "Stands up", "Waves", "Jumps", "Turns around", "Claps"]
    cameras = ["Pans left", "Pans right", "Zooms in", "Tilts up", "Static", "Shakes"]
    many = [
        {
            **records[1],
            "video_name": f"v{i}",
            "camera_motion": cameras[i],
            "chronological_motion_list": f"{moves[i]} (Subject 1), {moves[i + 1]} (Subject 1)",
        }
        for i in range(6)
    ]
    mcq = [e for e in build_examples(many, mcq=True, seed=1).examples if e.kind == "mcq"]
    assert len(mcq) == 12 and len({e.id for e in mcq}) == 12
    for i in range(6):
        camera, order = [e for e in mcq if e.video_name == f"v{i}"]
        assert camera.target == cameras[i] and "How does the camera move" in camera.prompt
        assert f'do right after "{moves[i]}"' in order.prompt and order.target == moves[i + 1]
        options = ast.literal_eval(
            order.prompt.rsplit("among ", 1)[1]
        )  # the official prompt ends with the options list
        assert len(set(options)) == 5 and moves[i + 1] in options and moves[i] not in options


def test_cli_errors_name_the_flags(tmp_path: Path):
    run = _cli("sft-export", "--out", str(tmp_path / "sft"))
    assert run.returncode == 2 and "--train" in run.stderr and "--data-dir" in run.stderr
    run = _cli("sft-export", "--data-dir", str(tmp_path), "--out", str(tmp_path / "sft"), "--heldout", "1.5")
    assert run.returncode == 2 and "--heldout" in run.stderr
    (tmp_path / "t.json").write_text(json.dumps(sharegpt_records()[3:]), encoding="utf-8")
    with pytest.raises(DataError, match=r"no example to write: all 2 videos were skipped.*\(data_dir=\)"):
        export_sft(tmp_path / "sft", train=tmp_path / "t.json")
    run = _cli("sft-export", "--train", str(tmp_path / "t.json"), "--out", str(tmp_path / "sft"))
    assert run.returncode == 2 and "give that DIR (--data-dir)" in run.stderr
