"""The runner on synthetic clips: resume, SIGKILL, torn lines, per-item failures, mixed runs refused."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from chat_server import ChatServer, prompt_digest

from favor_hf.data.favor_json import load_video_records
from favor_hf.models.base import ModelAdapter, ModelInput
from favor_hf.results import ResultsError, ResultsStore, final_records, read_results
from favor_hf.runner import RunAborted, Sampling, build_items, run_benchmark

FRAMES8 = Sampling(frames=8)


class EchoAdapter(ModelAdapter):
    """Answers with the item id and the frame shape; fails the ids in ``failing`` while it is set."""

    def __init__(self, name: str = "echo:1", failing: set[str] | None = None, needs_frames: bool = True):
        self.name = name
        self.failing = failing or set()
        self.needs_frames = needs_frames
        self.seen: list[str] = []

    def generate(self, inputs: list[ModelInput]) -> list[str]:
        self.seen.extend(request.item_id for request in inputs)
        bad = [request.item_id for request in inputs if request.item_id in self.failing]
        if bad:
            raise RuntimeError(f"backend refused {bad[0]}")
        return [f"{request.item_id} {None if request.frames is None else request.frames.shape}" for request in inputs]


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    from favor_hf.synth import make_synthetic_benchmark

    root = tmp_path_factory.mktemp("synth")
    make_synthetic_benchmark(root, n=5, seed=1)
    return root


@pytest.fixture(scope="module")
def records(synth_dir):
    return load_video_records(synth_dir)


def _ids(path: Path) -> list[str]:
    return [line["id"] for line in read_results(path).records]


def test_lines_record_item_run_and_timing(records, tmp_path):
    out = tmp_path / "r.jsonl"
    summary = run_benchmark(EchoAdapter(), records, "mcq", out, sampling=Sampling(fps=1.0), progress=False)
    items = build_items(records, "mcq")
    assert summary.answered == summary.selected == len(items) and summary.failed == 0
    lines = read_results(out).records
    assert _ids(out) == [item["id"] for item in items]  # one worker: file order
    first = lines[0]
    assert first["task"] == "mcq" and first["model"] == "echo:1" and first["sampling"] == "fps=1,max_side=448"
    assert first["frames"] == 3  # 3-second synthetic clips at one frame per second
    assert first["output"] == f"{first['id']} (3, 144, 192, 3)" and first["error"] is None
    assert set(first["reference"]) == {"correct_answer", "options", "task_type"}
    assert set(first["timing"]) == {"frames_s", "model_s", "batch"}
    assert first["universe"]["items"] == len(items)


def test_caption_items_are_videos(records, tmp_path):
    out = tmp_path / "c.jsonl"
    run_benchmark(EchoAdapter(), records, "caption", out, sampling=FRAMES8, progress=False)
    lines = read_results(out).records
    assert [line["id"] for line in lines] == [r["video_name"] for r in records]
    assert lines[0]["reference"]["camera_motion"] == records[0]["camera_motion"]
    assert lines[0]["frames"] == 8


def test_rerun_resumes_and_skips_finished_items(records, tmp_path):
    out = tmp_path / "r.jsonl"
    run_benchmark(EchoAdapter(), records, "mcq", out, sampling=FRAMES8, limit=7, progress=False)
    adapter = EchoAdapter()
    summary = run_benchmark(adapter, records, "mcq", out, sampling=FRAMES8, progress=False)
    items = [item["id"] for item in build_items(records, "mcq")]
    assert summary.skipped == 7 and summary.answered == len(items) - 7
    assert adapter.seen == items[7:]
    assert sorted(_ids(out)) == sorted(items)
    again = run_benchmark(EchoAdapter(), records, "mcq", out, sampling=FRAMES8, progress=False)
    assert again.answered == 0 and again.skipped == len(items)


def test_torn_last_line_is_cut_and_redone(records, tmp_path):
    out = tmp_path / "r.jsonl"
    run_benchmark(EchoAdapter(), records, "mcq", out, sampling=FRAMES8, limit=6, progress=False)
    ids = _ids(out)
    out.write_bytes(out.read_bytes()[:-40])  # a crash in the middle of writing the sixth line
    assert read_results(out).torn and _ids(out) == ids[:5]
    adapter = EchoAdapter()
    summary = run_benchmark(adapter, records, "mcq", out, sampling=FRAMES8, limit=6, progress=False)
    assert summary.repaired and summary.answered == 1 and adapter.seen == ids[5:]
    assert _ids(out) == ids


def test_damaged_middle_line_is_an_error_naming_it(records, tmp_path):
    out = tmp_path / "r.jsonl"
    run_benchmark(EchoAdapter(), records, "mcq", out, sampling=FRAMES8, limit=4, progress=False)
    lines = out.read_text().splitlines(keepends=True)
    lines[1] = lines[1][:30] + "\n"
    out.write_text("".join(lines))
    with pytest.raises(ResultsError, match=r"line 2 is not valid JSON"):
        run_benchmark(EchoAdapter(), records, "mcq", out, sampling=FRAMES8, progress=False)


def test_failures_are_recorded_counted_and_retried(records, synth_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(synth_dir, data)
    broken = data / "videos" / "FAVOR-Bench" / f"{records[1]['video_name']}.mp4"
    broken.write_bytes(b"not a video")
    records_here = load_video_records(data)
    items = build_items(records_here, "mcq")
    refused = items[0]["id"]
    out = tmp_path / "r.jsonl"
    summary = run_benchmark(EchoAdapter(failing={refused}), records_here, "mcq", out, sampling=FRAMES8, progress=False)
    undecodable = [item["id"] for item in items if item["video"] == records[1]["video_name"]]
    assert summary.failed == 1 + len(undecodable) and summary.answered == len(items) - summary.failed
    lines = {line["id"]: line for line in read_results(out).records}
    assert lines[refused]["error"] == f"RuntimeError: backend refused {refused}" and lines[refused]["output"] is None
    assert all(lines[i]["error"].startswith("VideoError: ") and str(broken) in lines[i]["error"] for i in undecodable)
    assert "rerun the same command to retry" in summary.format()

    shutil.copy(synth_dir / "videos" / "FAVOR-Bench" / broken.name, broken)
    adapter = EchoAdapter()
    retry = run_benchmark(adapter, load_video_records(data), "mcq", out, sampling=FRAMES8, progress=False)
    assert sorted(adapter.seen) == sorted([refused, *undecodable]) and retry.failed == 0
    final = final_records(read_results(out).records, str(out))
    assert sorted(final) == sorted(item["id"] for item in items)
    assert all(line["error"] is None for line in final.values())


def test_too_many_consecutive_failures_abort(records, tmp_path):
    out = tmp_path / "r.jsonl"
    everything = {item["id"] for item in build_items(records, "mcq")}
    with pytest.raises(RunAborted, match="stopped after 4 consecutive failures.*backend refused"):
        run_benchmark(
            EchoAdapter(failing=everything),
            records,
            "mcq",
            out,
            sampling=FRAMES8,
            max_consecutive_failures=4,
            progress=False,
        )
    assert len(read_results(out).records) == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sampling": Sampling(frames=16)}, r"the frame sampling \(--fps.*\) differs: the file was run with 'frames=8"),
        ({"name": "echo:2"}, "--model differs: the file was run with 'echo:1', this run has 'echo:2'"),
        ({"task": "caption"}, "--task differs: the file was run with 'mcq', this run has 'caption'"),
    ],
)
def test_mixing_runs_in_one_file_is_refused(records, tmp_path, change, field):
    out = tmp_path / "r.jsonl"
    run_benchmark(EchoAdapter(), records, "mcq", out, sampling=FRAMES8, limit=3, progress=False)
    before = out.read_bytes()
    adapter = EchoAdapter(name=change.get("name", "echo:1"))
    with pytest.raises(ResultsError, match=field):
        run_benchmark(
            adapter, records, change.get("task", "mcq"), out, sampling=change.get("sampling", FRAMES8), progress=False
        )
    assert out.read_bytes() == before and adapter.seen == []


def test_a_second_writer_is_refused(tmp_path):
    out = tmp_path / "r.jsonl"
    with ResultsStore(out), pytest.raises(ResultsError, match="another favor-hf process"):
        ResultsStore(out)


def test_adapters_without_frames_get_the_video_path(records, tmp_path):
    adapter = EchoAdapter(needs_frames=False)
    run_benchmark(adapter, records, "mcq", tmp_path / "r.jsonl", sampling=FRAMES8, limit=2, progress=False)
    line = read_results(tmp_path / "r.jsonl").records[0]
    assert line["output"].endswith(" None") and line["frames"] is None


def _line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_sigkill_at_any_moment_loses_nothing_and_duplicates_nothing(records, synth_dir, tmp_path):
    """Run `favor-hf run` in a subprocess, SIGKILL it mid-run three times, then let it finish."""
    out = tmp_path / "r.jsonl"
    items = build_items(records, "mcq")
    with ChatServer(delay=0.05) as server:
        command = [
            sys.executable,
            "-m",
            "favor_hf",
            "run",
            "--model",
            "openai:test",
            "--base-url",
            server.base_url,
            "--data-dir",
            str(synth_dir),
            "--out",
            str(out),
            "--frames",
            "8",
            "--concurrency",
            "2",
            "--no-score",
        ]
        for kill_at in (2, 9, 17):
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 60
            while _line_count(out) < kill_at and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            process.send_signal(signal.SIGKILL)
            process.wait()
            assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
            assert _line_count(out) < len(items)
        finished = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert "0 failed" in finished.stdout
    lines = read_results(out).records
    assert sorted(line["id"] for line in lines) == sorted(item["id"] for item in items)
    expected = {item["id"]: f"{prompt_digest(item['prompt'])} images=8" for item in items}
    assert {line["id"]: line["output"] for line in lines} == expected


class CaptionAdapter(ModelAdapter):
    """Answers each video with a fixed caption table (by video name)."""

    name = "captions:1"

    def __init__(self, captions: dict[str, str]):
        self.captions = captions

    def generate(self, inputs: list[ModelInput]) -> list[str]:
        return [self.captions[request.item_id] for request in inputs]


def test_score_command_rescores_captions(records, tmp_path, capsys, minilm):
    from favor_hf.cli import main

    perfect, wrong = tmp_path / "perfect.jsonl", tmp_path / "wrong.jsonl"
    truth = {r["video_name"]: r["caption"] for r in records}
    run_benchmark(CaptionAdapter(truth), records, "caption", perfect, sampling=FRAMES8, progress=False)
    nonsense = {name: "A still photo of a lake at night." for name in truth}
    run_benchmark(CaptionAdapter(nonsense), records, "caption", wrong, sampling=FRAMES8, progress=False)
    finals = {}
    for path in (perfect, wrong):
        scores_json = path.with_suffix(".scores.json")
        assert (
            main(
                [
                    "score",
                    "--results",
                    str(path),
                    "--task",
                    "caption",
                    "--caption-model",
                    minilm,
                    "--json",
                    str(scores_json),
                ]
            )
            == 0
        )
        out = capsys.readouterr().out
        assert f"{len(records)} answered, 0 failed, 0 not run, of {len(records)} items" in out
        finals[path] = float(out.split("final_score")[1].split()[0])
        written = json.loads(scores_json.read_text())
        assert written["final_score"] == pytest.approx(finals[path], abs=1e-4)
        assert written["signature"].startswith("favor_caption|") and f"signature: {written['signature']}" in out
    assert finals[perfect] > 0.6 and finals[wrong] < 0.2, finals
    assert main(["score", "--results", str(perfect), "--task", "mcq"]) == 1
    assert "holds caption results, not mcq" in capsys.readouterr().err


def test_load_adapter_checks_names_ids_and_options():
    from favor_hf.models import load_adapter

    assert load_adapter("random:7").name == "random:7"
    with pytest.raises(ValueError, match="unknown adapter 'gpt'"):
        load_adapter("gpt:4o")
    with pytest.raises(ValueError, match="integer seed"):
        load_adapter("random:abc")
    with pytest.raises(ValueError, match="takes no ID"):
        load_adapter("flow:big")
    with pytest.raises(ValueError, match="does not take option.*dtype"):
        load_adapter("random:0", dtype="bfloat16")


def test_run_command_reports_bad_options(synth_dir, tmp_path, capsys):
    from favor_hf.cli import main

    base = ["run", "--data-dir", str(synth_dir), "--out", str(tmp_path / "r.jsonl")]
    assert main([*base, "--model", "random:0", "--shard", "3/3"]) == 2  # a usage error, naming --shard
    assert "--shard: shard '3/3': need N >= 1 and 0 <= I < N" in capsys.readouterr().err
    assert main([*base, "--model", "openai:m", "--device", "cuda"]) == 1
    assert "does not take option(s) device" in capsys.readouterr().err
    assert not (tmp_path / "r.jsonl").exists()


def test_mcq_prompt_is_the_official_one():
    from favor_hf.prompts import mcq_prompt

    assert mcq_prompt("What does the man do?", ["Sits down", "Stands up"]) == (
        "Carefully watch the video and pay attention to temporal dynamics in this video, focusing on the camera "
        "motions, actions, activities, and interactions. Based on your observations, select the best option that "
        "accurately addresses the question.\nWhat does the man do?\n"
        "You can only response with the answer among ['Sits down', 'Stands up']"
    )


def test_ctrl_c_stops_cleanly_and_the_rerun_resumes(records, synth_dir, tmp_path):
    out = tmp_path / "r.jsonl"
    with ChatServer(delay=0.05) as server:
        command = [
            sys.executable,
            "-m",
            "favor_hf",
            "run",
            "--model",
            "openai:test",
            "--base-url",
            server.base_url,
            "--data-dir",
            str(synth_dir),
            "--out",
            str(out),
            "--frames",
            "8",
            "--no-score",
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while _line_count(out) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130 and "rerun the same command to resume" in err
        done = len(read_results(out).records)
        rerun = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{done} already done" in rerun.stdout
    ids = _ids(out)
    assert sorted(ids) == sorted(item["id"] for item in build_items(records, "mcq"))
