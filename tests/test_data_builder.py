"""The datasets builder, load_bench from every source, the legacy script and push."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_data_records import ODD_ID, small_records, write_clip, write_dir

from conftest import GT_ANNOTATIONS, REPO
from favor_hf.data import load_bench
from favor_hf.data.builder import FavorBench
from favor_hf.data.export import export_dataset
from favor_hf.data.favor_json import DataError
from favor_hf.data.features import MCQ, TRAIN, VIDEOS
from favor_hf.data.push import PushError, push_dataset
from favor_hf.video import sample_frames


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = write_dir(tmp_path / "FAVOR", small_records())
    write_clip(root / "videos" / "FAVOR-Bench" / f"{ODD_ID}.mp4")
    return root


def _build(tmp_path: Path, config: str, **kwargs):
    builder = FavorBench(config_name=config, cache_dir=str(tmp_path / "cache"), **kwargs)
    builder.download_and_prepare()
    return builder.as_dataset(split="train" if config == "train" else "test")


def test_builder_configs(data_dir: Path, tmp_path: Path):
    n_questions = sum(len(r["questions"]) for r in small_records())
    mcq = _build(tmp_path, "mcq", data_dir=str(data_dir))
    assert mcq.features == MCQ and mcq.num_rows == n_questions
    row = [r for r in mcq if r["video_name"] == ODD_ID][0]
    assert row["question_key"] == f"{ODD_ID}_1" and Path(row["video"]["path"]).is_absolute()
    assert sample_frames(row["video"]["path"], num_frames=3).shape[0] == 3
    videos = _build(tmp_path, "videos", data_dir=str(data_dir), annotations_file=str(GT_ANNOTATIONS))
    assert videos.features == VIDEOS and videos.num_rows == 1776
    assert sum(1 for w in videos["parse_warnings"] if w) == 124
    train_file = tmp_path / "train.json"
    train_file.write_text(
        json.dumps([{"video_name": "t1", "caption": "A man walks.", "motion_list": "Subject 1: Man [Walks]"}])
    )
    train = _build(tmp_path, "train", train_file=str(train_file))
    assert train.features == TRAIN and train[0]["subject_actions"] == [
        {"label": "Subject 1", "name": "Man", "actions": ["Walks"]}
    ]
    with pytest.raises(DataError, match="config 'train' needs train_file"):
        _build(tmp_path, "train", data_dir=str(data_dir))


def test_load_bench_from_data_dir_and_export_agree(data_dir: Path, tmp_path: Path):
    built = load_bench("mcq", data_dir=data_dir, cache_dir=str(tmp_path / "c1"))
    out = tmp_path / "favor-bench"
    export_dataset(out, data_dir=data_dir)
    exported = load_bench("mcq", data_dir=out, cache_dir=str(tmp_path / "c2"))
    assert built.features == exported.features == MCQ
    strip = lambda rows: [{**r, "video": r["video"] and Path(r["video"]["path"]).name} for r in rows]  # noqa: E731
    assert strip(built.to_list()) == strip(exported.to_list())
    assert [r["video"] is None for r in built] == [r["video"] is None for r in exported]

    odd = [r for r in exported if r["video_name"] == ODD_ID][0]["video"]["path"]
    assert odd == str((out / "videos" / "FAVOR-Bench" / f"{ODD_ID}.mp4").resolve())


def test_load_bench_rebuilds_when_the_data_changes(data_dir: Path, tmp_path: Path):
    first = load_bench("mcq", data_dir=data_dir, cache_dir=str(tmp_path / "c"))
    records = small_records()[:1]
    (data_dir / "video_perspective.json").write_text(json.dumps(records), encoding="utf-8")
    second = load_bench("mcq", data_dir=data_dir, cache_dir=str(tmp_path / "c"))
    assert second.num_rows == len(records[0]["questions"]) < first.num_rows


def test_load_bench_arguments(tmp_path: Path):
    with pytest.raises(ValueError, match="unknown FAVOR config 'qa'"):
        load_bench("qa")
    with pytest.raises(DataError, match="data directory not found"):
        load_bench("mcq", data_dir=tmp_path / "nope")


def test_hub_source_offline_is_a_clear_error(tmp_path: Path, monkeypatch):
    """conftest sets HF_HUB_OFFLINE=1: the official repo is not cached, so the builder says what to do."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(DataError, match=r"could not fetch dataset 'zl2048/FAVOR' .*Pass data_dir="):
        load_bench("mcq", cache_dir=str(tmp_path / "c"))


def test_legacy_script_wraps_the_builder(data_dir: Path, tmp_path: Path, monkeypatch):
    """What datasets < 4 does with a script: import it as a module and build its builder class."""
    spec = importlib.util.spec_from_file_location("favor_bench", REPO / "dataset_script" / "favor_bench.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "favor_bench", module)
    spec.loader.exec_module(module)
    assert issubclass(module.FavorBench, FavorBench)
    builder = module.FavorBench(config_name="mcq", data_dir=str(data_dir), cache_dir=str(tmp_path / "c"))
    builder.download_and_prepare()
    assert builder.as_dataset(split="test").features == MCQ
    assert (REPO / "dataset_script" / "README.md").read_text() == (
        REPO / "favor_hf" / "data" / "card_template.md"
    ).read_text()


def test_push_checks_arguments_and_reports_offline(data_dir: Path, tmp_path: Path):
    with pytest.raises(DataError, match="folder not found"):
        push_dataset(tmp_path / "missing", "org/favor-bench")
    with pytest.raises(DataError, match="not an exported dataset"):
        push_dataset(data_dir, "org/favor-bench")
    out = tmp_path / "favor-bench"
    export_dataset(out, data_dir=data_dir)
    with pytest.raises(DataError, match="must look like ORG/NAME"):
        push_dataset(out, "favor-bench")
    with pytest.raises(PushError, match="could not upload .*HF_HUB_OFFLINE"):
        push_dataset(out, "org/favor-bench", token="hf_dummy")


@pytest.mark.skipif(
    not os.environ.get("FAVOR_DATASETS3_PATH"),
    reason="set FAVOR_DATASETS3_PATH to a `pip install --no-deps --target DIR 'datasets<4'` folder",
)
def test_legacy_script_under_datasets_3(data_dir: Path, tmp_path: Path):
    """The loading script under a real datasets 3.x, in a fresh offline process.

    datasets 3.x encodes videos with ``torchvision.io.VideoReader`` whenever torchvision is
    installed, and torchvision 0.29 (installed here for the video processors) no longer has it;
    the process therefore runs as a datasets 3.x user without torchvision does.
    """
    script = (
        "import sys\nsys.modules['torchvision'] = None  # absent for datasets' find_spec\n"
        "import datasets, json\n"
        f"ds = datasets.load_dataset({str(REPO / 'dataset_script' / 'favor_bench.py')!r}, 'mcq', "
        f"data_dir={str(data_dir)!r}, split='test', trust_remote_code=True)\n"
        "print(json.dumps([datasets.__version__, ds.num_rows, ds[0]['question_key'], ds.features['task_type'].names]))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.environ["FAVOR_DATASETS3_PATH"],
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
    }
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    version, rows, key, names = json.loads(done.stdout.strip().splitlines()[-1])
    assert version.startswith("3.") and rows == sum(len(r["questions"]) for r in small_records())
    assert key == "00X3U_1" and names == ["AS", "HAC", "SAD", "MAD", "CM", "NSM"]
