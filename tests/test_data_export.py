"""``favor-hf export``: Parquet + card + videos, and load_dataset on the result."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import datasets
import pytest
import yaml
from test_data_records import ODD_ID, small_records, write_clip, write_dir

from conftest import GT_ANNOTATIONS, SYNTHETIC
from favor_hf.cli import main
from favor_hf.data.export import export_dataset
from favor_hf.data.favor_json import DataError
from favor_hf.data.features import MCQ, TRAIN, VIDEOS
from favor_hf.schema import CITATION, OFFICIAL_COUNTS
from favor_hf.video import sample_frames


@pytest.fixture(scope="module")
def full_export(tmp_path_factory) -> Path:
    """The full synthetic question set plus the 1,776 official annotations, exported once."""
    data_dir = tmp_path_factory.mktemp("data")
    shutil.copy(SYNTHETIC / "synthetic_video_perspective.json", data_dir / "video_perspective.json")
    out = tmp_path_factory.mktemp("export") / "favor-bench"
    result = export_dataset(out, data_dir=data_dir, annotations=GT_ANNOTATIONS)
    assert [(s.config, s.num_examples) for s in result.splits] == [("mcq", 8184), ("videos", 1776)]
    assert len(result.missing_videos["mcq"]) == 1763 and result.irregular == {"videos": 124}
    return out


def _card(out: Path) -> tuple[dict, str]:
    text = (out / "README.md").read_text(encoding="utf-8")
    _, header, body = text.split("---\n", 2)
    return yaml.safe_load(header), body


def test_card(full_export: Path):
    meta, body = _card(full_export)
    assert meta["license"] == "cc-by-nc-sa-4.0"
    assert meta["configs"] == [
        {"config_name": "mcq", "data_files": [{"split": "test", "path": "data/mcq/test-*.parquet"}], "default": True},
        {"config_name": "videos", "data_files": [{"split": "test", "path": "data/videos/test-*.parquet"}]},
    ]
    infos = {info["config_name"]: info for info in meta["dataset_info"]}
    assert infos["mcq"]["splits"][0]["num_examples"] == 8184
    assert infos["videos"]["splits"][0]["num_examples"] == 1776
    assert [f["name"] for f in infos["mcq"]["features"]] == list(MCQ)
    for section in (
        "## Dataset Summary",
        "## Dataset Structure",
        "## Dataset Creation",
        "## Licensing Information",
        "## Citation Information",
    ):
        assert section in body
    assert CITATION in body and "{{" not in body
    assert f"AS 2,637 (official {OFFICIAL_COUNTS['AS']:,})" in body


def test_load_dataset_on_folder_gives_typed_features(full_export: Path, tmp_path: Path):
    mcq = datasets.load_dataset(str(full_export), "mcq", split="test", cache_dir=str(tmp_path))
    assert mcq.features == MCQ and mcq.num_rows == 8184
    assert mcq.features["task_type"].int2str(mcq[0]["task_type"]) == "SAD"
    videos = datasets.load_dataset(str(full_export), "videos", split="test", cache_dir=str(tmp_path))
    assert videos.features == VIDEOS and videos.num_rows == 1776
    row = videos.filter(lambda r: r["video_name"] == ODD_ID)[0]
    assert row["video"] is None and row["subjects"] == [
        {"label": "Subject 1", "name": "First-person subject", "attributes": []}
    ]


def test_literal_load_dataset_favor_bench_from_cwd(full_export: Path, tmp_path: Path):
    """`load_dataset("favor-bench", "mcq")` in a fresh, offline process resolves the folder in the cwd."""
    script = textwrap.dedent(
        """
        import json
        from datasets import load_dataset
        from favor_hf.data.features import MCQ, VIDEOS
        mcq = load_dataset("favor-bench", "mcq")
        videos = load_dataset("favor-bench", "videos", split="test")
        print(json.dumps({"splits": list(mcq), "rows": mcq["test"].num_rows, "typed": mcq["test"].features == MCQ,
                          "videos_typed": videos.features == VIDEOS, "key": mcq["test"][0]["question_key"]}))
        """
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=full_export.parent, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"splits": ["test"], "rows": 8184, "typed": True, "videos_typed": True, "key": "00X3U_1"}


def test_export_with_videos_and_train(tmp_path: Path):
    data_dir = write_dir(tmp_path / "data", small_records())
    clip = write_clip(data_dir / "videos" / "FAVOR-Bench" / f"{ODD_ID}.mp4")
    gt = json.loads(GT_ANNOTATIONS.read_text(encoding="utf-8"))
    train = tmp_path / "data" / "train.jsonl"
    train.write_text(
        "\n".join(json.dumps({"video_name": f"{k}.mp4", **v}) for k, v in list(gt.items())[:5]), encoding="utf-8"
    )
    train_clip = write_clip(data_dir / "videos" / "FAVOR-Train" / "91YZH.mp4")
    out = tmp_path / "favor-bench"
    result = export_dataset(out, data_dir=data_dir, train=train)
    assert result.videos_written == 2
    assert (out / "videos" / "FAVOR-Bench" / f"{ODD_ID}.mp4").stat().st_ino == clip.stat().st_ino  # hard link
    assert (out / "videos" / "FAVOR-Train" / "91YZH.mp4").read_bytes() == train_clip.read_bytes()
    assert "missing videos (mcq): 2" in result.summary()

    mcq = datasets.load_dataset(str(out), "mcq", split="test", cache_dir=str(tmp_path / "cache"))
    rows = [r for r in mcq if r["video_name"] == ODD_ID]
    assert rows and all(r["video"] == {"path": f"videos/FAVOR-Bench/{ODD_ID}.mp4", "bytes": None} for r in rows)
    assert sample_frames(out / rows[0]["video"]["path"], num_frames=2).shape == (2, 32, 32, 3)
    # videos config comes from video_perspective.json when no annotations file is given
    videos = datasets.load_dataset(str(out), "videos", split="test", cache_dir=str(tmp_path / "cache"))
    assert videos.num_rows == 3 and videos.features == VIDEOS
    trained = datasets.load_dataset(str(out), "train", split="train", cache_dir=str(tmp_path / "cache"))
    assert trained.features == TRAIN and trained.num_rows == 5
    assert trained[0]["video"]["path"] == "videos/FAVOR-Train/91YZH.mp4" and trained[1]["video"] is None


def test_unreadable_video_is_an_error(tmp_path: Path):
    records = small_records()
    data_dir = write_dir(tmp_path / "data", records)
    bad = data_dir / "videos" / "FAVOR-Bench" / f"{records[0]['video_name']}.mp4"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42 this is not a video")
    with pytest.raises(DataError) as err:
        export_dataset(tmp_path / "out", data_dir=data_dir)
    message = str(err.value)
    assert "video_perspective.json" in message and f"video_name {records[0]['video_name']!r}" in message
    assert "field 'video'" in message and str(bad) in message
    result = export_dataset(tmp_path / "out", data_dir=data_dir, check_videos=False, overwrite=True)
    assert result.videos_written == 1


def test_train_file_with_wrong_layout(tmp_path: Path):
    train = tmp_path / "train.json"
    train.write_text(json.dumps({"train": "FAVOR-Train"}), encoding="utf-8")
    with pytest.raises(DataError, match="must map video ids to annotation objects"):
        export_dataset(tmp_path / "out", train=train)


def test_cli_export_and_check_data(tmp_path: Path, capsys):
    data_dir = write_dir(tmp_path / "data", small_records())
    write_clip(data_dir / "videos" / "FAVOR-Bench" / f"{ODD_ID}.mp4")
    out = tmp_path / "favor-bench"
    assert main(["export", "--data-dir", str(data_dir), "--out", str(out), "--annotations", str(GT_ANNOTATIONS)]) == 0
    printed = capsys.readouterr().out
    assert "mcq/test:" in printed and "videos/test: 1,776 rows" in printed
    assert "missing videos (mcq): 2" in printed and "missing videos (videos): 1,775" in printed
    assert main(["export", "--data-dir", str(data_dir), "--out", str(out)]) == 2
    assert "already holds README.md, data" in capsys.readouterr().err
    assert main(["check-data", "--data-dir", str(data_dir), "--list-missing", "--check-videos"]) == 0
    printed = capsys.readouterr().out
    assert "videos present: 1, missing: 2" in printed and "unreadable videos: 0" in printed
    assert f"missing: {small_records()[0]['video_name']}" in printed
    assert main(["check-data", "--data-dir", str(data_dir), "--strict"]) == 1
    (data_dir / "video_perspective.json").write_text("[", encoding="utf-8")
    assert main(["export", "--data-dir", str(data_dir), "--out", str(tmp_path / "o2")]) == 2
    assert "malformed JSON" in capsys.readouterr().err
