"""Every error says what to change: one style (``favor-hf COMMAND: error:``), the flag named, the status
2 for a command line that cannot work, and quiet ends (closed pipes, torn lines, encodings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GT_ANNOTATIONS, NLTK_DATA, REPO, minilm_path
from favor_hf.cli import main


def _cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "favor_hf", *args], capture_output=True, text=True, cwd=cwd, check=False, timeout=300
    )


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    from favor_hf.synth import make_synthetic_benchmark

    return make_synthetic_benchmark(tmp_path_factory.mktemp("errors") / "data", n=2, seed=3)


@pytest.fixture()
def mcq_run(bench, tmp_path) -> Path:
    from favor_hf.data.favor_json import load_video_records
    from favor_hf.models import load_adapter
    from favor_hf.runner import run_benchmark

    out = tmp_path / "r.jsonl"
    run_benchmark(load_adapter("random:0"), load_video_records(bench.root), "mcq", out, progress=False)
    return out


def test_a_reference_without_a_compared_field_is_an_error_naming_file_video_and_field(tmp_path):
    annotations = json.loads(GT_ANNOTATIONS.read_text())
    videos = list(annotations)[:2]
    references = {video: dict(annotations[video]) for video in videos}
    del references[videos[1]]["motion_list"]
    (tmp_path / "refs.json").write_text(json.dumps(references))
    (tmp_path / "preds.json").write_text(json.dumps({video: annotations[video]["caption"] for video in videos}))
    done = _cli(
        "score-captions",
        "--predictions",
        str(tmp_path / "preds.json"),
        "--references",
        str(tmp_path / "refs.json"),
        "--out",
        str(tmp_path / "o.json"),
        "--model",
        minilm_path(),
    )
    assert done.returncode == 2 and not (tmp_path / "o.json").exists()
    assert done.stderr.startswith(
        f"favor-hf score-captions: error: {tmp_path / 'refs.json'}: record 1 (video_name '{videos[1]}') "
        "has no field 'motion_list'"
    )


def test_a_reference_without_a_field_in_python_names_the_video():
    from favor_hf.caption import CaptionInputError, score_captions

    reference = {"video": "clip7", "camera_motion": "static", "chronological_motion_list": ""}
    with pytest.raises(CaptionInputError, match=r"references\[0\] \(video clip7\) has no field 'motion_list'"):
        score_captions(["A man walks."], [reference], model_name=minilm_path())


def test_none_as_a_caption_says_a_string_or_dict_is_expected():
    from favor_hf.caption import CaptionInputError, score_captions

    reference = {"camera_motion": "static", "motion_list": "", "chronological_motion_list": ""}
    with pytest.raises(
        CaptionInputError, match=r"predictions\[0\] is None; expected a caption string or a step-1 dict"
    ):
        score_captions([None], [reference], model_name=minilm_path())


def test_synth_refuses_a_non_empty_folder_without_overwrite(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["synth", "--out", str(out), "--n", "3"]) == 0
    assert main(["synth", "--out", str(out), "--n", "2"]) == 2
    assert f"favor-hf synth: error: --out {out} is not empty" in capsys.readouterr().err
    assert len(json.loads((out / "video_perspective.json").read_text())) == 3
    assert main(["synth", "--out", str(out), "--n", "2", "--overwrite"]) == 0
    assert len(list((out / "videos" / "FAVOR-Bench").iterdir())) == 2  # no clip of the larger run is left


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--model": "nope:1"}, "favor-hf run: error: --model: unknown adapter 'nope:1'"),
        ({"--data-dir": "no-such-dir"}, "favor-hf run: error: --data-dir: no-such-dir/video_perspective.json: file"),
        ({"--shard": "3"}, "favor-hf run: error: --shard: shard '3': expected I/N"),
    ],
)
def test_run_usage_errors_name_the_flag_with_status_2(bench, tmp_path, change, message):
    options = {"--model": "random:0", "--data-dir": str(bench.root), "--out": str(tmp_path / "r.jsonl"), **change}
    done = _cli("run", *(part for pair in options.items() for part in pair), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.startswith(message), done.stderr


def test_a_closed_pipe_ends_quietly(mcq_run):
    proc = subprocess.Popen(
        [sys.executable, "-m", "favor_hf", "score", "--results", str(mcq_run)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    proc.stdout.close()  # `| head -0`: the reader is gone before the first line
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


def test_score_says_it_left_out_a_torn_last_line(mcq_run):
    with mcq_run.open("a") as f:
        f.write('{"id": "cut-off')
    done = _cli("score", "--results", str(mcq_run))
    assert done.returncode == 0, done.stderr
    assert f"note: the last line of {mcq_run} was cut off by an interrupted write and is left out" in done.stdout


def test_a_line_that_is_not_utf8_gets_an_encoding_message(mcq_run):
    lines = mcq_run.read_bytes().split(b"\n")
    lines[0] = lines[0].replace(b'"output":"', b'"output":"caf\xe9 ', 1)
    mcq_run.write_bytes(b"\n".join(lines))
    done = _cli("score", "--results", str(mcq_run))
    assert done.returncode == 1
    assert f"favor-hf score: error: {mcq_run}: line 1 is not UTF-8 text" in done.stderr
    assert "crash" not in done.stderr


def test_a_relative_nltk_data_reaches_subprocesses_in_other_folders(tmp_path):
    relative = os.path.relpath(NLTK_DATA, REPO)
    child = "import nltk; print(nltk.data.find('tokenizers/punkt_tab/english'))"
    parent = (
        "import favor_hf, subprocess, sys; "
        f"subprocess.run([sys.executable, '-c', {child!r}], cwd={str(tmp_path)!r}, check=True)"
    )
    env = {**os.environ, "NLTK_DATA": relative, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", parent], cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(NLTK_DATA))
