"""Synthetic clips: layout, official schema, exact ground truth visible in the pixels, determinism."""

from __future__ import annotations

import json

import numpy as np
import pytest

from favor_hf.annotations import parse_annotations
from favor_hf.cli import main
from favor_hf.data.favor_json import load_video_records
from favor_hf.motion_labels import CAMERA_MOTIONS, SUBJECT_ACTIONS
from favor_hf.schema import ANNOTATION_FIELDS, TASK_CODES
from favor_hf.synth import SUBJECT_COLORS, make_scene, make_synthetic_benchmark, render
from favor_hf.video import probe, sample_frames

N = 10


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    return make_synthetic_benchmark(tmp_path_factory.mktemp("synth"), N, seed=3, progress=False)


def test_layout_and_videos(bench):
    assert bench.annotations_path == bench.root / "video_perspective.json"
    assert sorted(p.name for p in (bench.root / "videos" / "FAVOR-Bench").iterdir()) == [
        f"{r['video_name']}.mp4" for r in bench.records
    ]
    info = probe(bench.video_paths[0])
    assert (info.codec, info.width, info.height, info.fps, info.num_frames) == ("h264", 192, 144, 12.0, 36)


def test_official_schema_and_questions(bench):
    records = json.loads(bench.annotations_path.read_text(encoding="utf-8"))
    assert records == bench.records
    assert {r["camera_motion"] for r in records[:8]} == set(CAMERA_MOTIONS.values())  # each motion once per 8 clips
    for record in records:
        assert set(record) == {"video_name", "questions", *ANNOTATION_FIELDS}
        tasks = [q["task_type"] for q in record["questions"]]
        assert tasks.count("CM") == 1 and set(tasks) <= set(TASK_CODES)
        for q in record["questions"]:
            assert len(q["options"]) == len(set(q["options"])) == 5
            assert q["correct_answer"] in q["options"]
            assert not any(o != a and a in o for o in q["options"] for a in q["options"])  # no option inside another
        cm = next(q for q in record["questions"] if q["task_type"] == "CM")
        assert cm["correct_answer"] == record["camera_motion"]


def test_annotations_parse_cleanly(bench):
    for record in bench.records:
        parsed = parse_annotations(record)
        assert parsed.parse_warnings == []
        names = [s.name for s in parsed.subjects]
        assert names and (len(names) == 1) == (record["num_subjects"] == "Single subject")
        chrono_actions = [a.action for a in parsed.chronological_actions]
        assert set(chrono_actions) <= set(SUBJECT_ACTIONS.values())
        assert record["caption"].startswith("The camera ")


def test_data_loader_reads_the_layout(bench):
    records = load_video_records(bench.root)
    assert [r["video_name"] for r in records] == [r["video_name"] for r in bench.records]
    assert all(r["video_path"] for r in records)


def test_deterministic_for_a_seed(bench, tmp_path):
    again = make_synthetic_benchmark(tmp_path / "a", 2, seed=3, progress=False)
    other = make_synthetic_benchmark(tmp_path / "b", 2, seed=4, progress=False)
    assert again.records == bench.records[:2]
    assert other.records != again.records
    np.testing.assert_array_equal(sample_frames(again.video_paths[1], None), sample_frames(bench.video_paths[1], None))


@pytest.mark.parametrize("seed", range(6))
def test_subject_motion_matches_annotation(seed):
    """With a static camera the first subject's colour blob moves the way its first action says."""
    scene = make_scene("s", np.random.default_rng([99, seed]), "static")
    frames = render(scene).astype(int)
    subject = scene.subjects[0]
    action = subject.actions[0]
    color = np.array(SUBJECT_COLORS[subject.color])

    def centroid(t: float) -> np.ndarray:
        frame = frames[round(t * (scene.num_frames - 1))]
        ys, xs = np.nonzero(np.abs(frame - color).max(axis=2) < 30)
        return np.array([xs.mean(), ys.mean()])

    step = centroid(action.end) - centroid(action.start)
    expected = {"right": (1, 0), "left": (-1, 0), "up": (0, -1), "down": (0, 1)}[action.label]
    assert np.dot(step, expected) > 5, (action, step)
    assert abs(np.dot(step, expected[::-1])) < 3, (action, step)


def test_cli_synth(tmp_path, capsys):
    assert main(["synth", "--out", str(tmp_path), "--n", "2", "--seed", "5"]) == 0
    assert "wrote 2 clips" in capsys.readouterr().out
    assert len(json.loads((tmp_path / "video_perspective.json").read_text())) == 2
    with pytest.raises(ValueError, match="even"):
        make_synthetic_benchmark(tmp_path / "odd", 1, width=191, progress=False)
