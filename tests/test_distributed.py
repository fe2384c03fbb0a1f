"""`torchrun -m favor_hf run` with 2 CPU processes (gloo) and the tiny Qwen2.5-VL: every item answered
once, the merged file equal to a single-process run, and a killed rank resumed by the rerun."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tiny_vlm import tiny_qwen2_5_vl  # noqa: F401 (fixture)

from favor_hf.cli import main
from favor_hf.distributed import World, rank_device, rank_file
from favor_hf.runner import score_records, selected_final_records

RUN_OPTIONS = ["--frames", "8", "--max-new-tokens", "4", "--batch-size", "1"]


def test_rank_file_and_device() -> None:
    world = World(rank=1, size=4, local_rank=1)
    assert world.shard == "1/4"
    assert rank_file(Path("runs/qwen.jsonl"), world) == Path("runs/qwen.rank1-of-4.jsonl")
    assert rank_device(None, world, cuda_available=True) == "cuda:1"
    assert rank_device("cuda", world, cuda_available=True) == "cuda:1"
    assert rank_device(None, world, cuda_available=False) is None
    assert rank_device("cpu", world, cuda_available=True) == "cpu"
    with pytest.raises(ValueError, match="--device auto"):
        rank_device("auto", world, cuda_available=True)


def test_world_from_environment(monkeypatch) -> None:
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert World.from_environment() is None
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert World.from_environment() == World(1, 2, 1)


def test_shard_option_refused_under_launcher(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    code = main(
        [
            "run",
            "--model",
            "random:0",
            "--data-dir",
            str(tmp_path),
            "--out",
            str(tmp_path / "r.jsonl"),
            "--shard",
            "0/2",
        ]
    )
    assert code == 2
    assert "drop --shard" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist") / "synth"
    assert main(["synth", "--out", str(out), "--n", "3"]) == 0
    return out


def _torchrun(model: str, data: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        "-m",
        "favor_hf",
        "run",
        "--model",
        f"transformers:{model}",
        "--data-dir",
        str(data),
        "--out",
        str(out),
        *RUN_OPTIONS,
    ]


def _lines(path: Path) -> list[dict]:
    """The complete lines of a results file (a line being written is left out)."""
    return [json.loads(line) for line in path.read_text().split("\n")[:-1]] if path.exists() else []


def _outputs(path: Path) -> dict[str, str]:
    return {record["id"]: record["output"] for record in selected_final_records(path)}


@pytest.fixture(scope="module")
def single_run(tiny_qwen2_5_vl, synth_dir, tmp_path_factory) -> Path:  # noqa: F811
    out = tmp_path_factory.mktemp("single") / "single.jsonl"
    assert (
        main(
            [
                "run",
                "--model",
                f"transformers:{tiny_qwen2_5_vl}",
                "--data-dir",
                str(synth_dir),
                "--out",
                str(out),
                "--no-score",
                *RUN_OPTIONS,
            ]
        )
        == 0
    )
    return out


def test_two_ranks_equal_one_process(tiny_qwen2_5_vl, synth_dir, single_run, tmp_path) -> None:  # noqa: F811
    out = tmp_path / "multi.jsonl"
    done = subprocess.run(
        _torchrun(tiny_qwen2_5_vl, synth_dir, out), check=False, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 ranks: wrote" in done.stdout and "0 of 17 missing" in done.stdout
    assert "accuracy" in done.stdout  # rank 0 printed the score table
    ranks = [_lines(rank_file(out, World(rank, 2, rank))) for rank in range(2)]
    answered = [record["id"] for lines in ranks for record in lines]
    assert sorted(answered) == sorted(_outputs(single_run))  # every item exactly once, over both ranks
    assert all(record["shard"] == f"{rank}/2" for rank, lines in enumerate(ranks) for record in lines)
    assert _outputs(out) == _outputs(single_run)
    merged, single = selected_final_records(out), selected_final_records(single_run)
    assert score_records(merged, "mcq") == score_records(single, "mcq")


def _worker_of_rank(launcher: int, rank: int) -> int | None:
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = (proc / "environ").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent == launcher and f"RANK={rank}".encode() in environ:
            return int(proc.name)
    return None


def test_killed_rank_resumes(tiny_qwen2_5_vl, synth_dir, single_run, tmp_path) -> None:  # noqa: F811
    out = tmp_path / "killed.jsonl"
    command = _torchrun(tiny_qwen2_5_vl, synth_dir, out)
    launcher = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = rank_file(out, World(1, 2, 1))
    deadline = time.monotonic() + 300
    while not _lines(first) and launcher.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    worker = _worker_of_rank(launcher.pid, 1)
    assert worker is not None, "rank 1 finished before it could be killed"
    os.kill(worker, signal.SIGKILL)
    assert launcher.wait(timeout=300) != 0  # the launcher stops the other rank and reports the failure
    # rank 0 may be stopped before it opened its file (on a busy machine it can still be loading the model)
    files = [rank_file(out, World(rank, 2, rank)) for rank in range(2)]
    before = [path.read_text() if path.exists() else "" for path in files]
    assert before[1]  # rank 1's finished items are on disk

    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    for rank in range(2):
        text = rank_file(out, World(rank, 2, rank)).read_text()
        assert text.startswith(before[rank][: before[rank].rfind("\n") + 1])  # finished lines kept as they were
        ids = [record["id"] for record in _lines(rank_file(out, World(rank, 2, rank))) if record["error"] is None]
        assert len(ids) == len(set(ids))  # nothing answered twice: the rerun filled only what was missing
    assert _outputs(out) == _outputs(single_run)
