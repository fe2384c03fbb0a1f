"""Stable shards and `favor-hf merge`: disjoint slices, overlaps refused, missing items reported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import SYNTHETIC
from favor_hf.cli import main
from favor_hf.data.favor_json import load_video_records
from favor_hf.results import read_results
from favor_hf.runner import build_items
from favor_hf.shard import parse_shard, select_shard, shard_of


@pytest.fixture(scope="module")
def official_keys() -> list[str]:
    rows = json.loads((SYNTHETIC / "synthetic_question_perspective.json").read_text())
    return [row["question_key"] for row in rows]


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    from favor_hf.synth import make_synthetic_benchmark

    root = tmp_path_factory.mktemp("synth")
    make_synthetic_benchmark(root, n=6, seed=2)
    return root


def test_parse_shard():
    assert parse_shard("0/1") == (0, 1) and parse_shard("3/4") == (3, 4)
    for bad in ("4/4", "-1/4", "1/0", "1", "a/b"):
        with pytest.raises(ValueError, match="shard"):
            parse_shard(bad)


def test_shards_partition_the_8184_questions_evenly(official_keys):
    items = [{"id": key} for key in official_keys]
    for count in (2, 3, 8):
        slices = [select_shard(items, f"{i}/{count}") for i in range(count)]
        ids = [item["id"] for part in slices for item in part]
        assert sorted(ids) == sorted(official_keys)
        for part in slices:
            assert abs(len(part) - len(items) / count) < 0.05 * len(items) / count
            members = {item["id"] for item in part}
            assert [item["id"] for item in part] == [key for key in official_keys if key in members]  # order kept


def test_shards_are_stable_across_processes(official_keys):
    """sha1-based: the same in another interpreter with another hash seed, and the same as recorded here."""
    sample = official_keys[:200]
    code = (
        "import json,sys; from favor_hf.shard import shard_of; "
        "print(json.dumps([shard_of(k, 7) for k in json.load(sys.stdin)]))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(sample),
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
    )
    assert json.loads(other.stdout) == [shard_of(k, 7) for k in sample]
    assert [shard_of(k, 4) for k in official_keys[:6]] == [3, 2, 3, 1, 1, 1]


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _run_shard(capsys, synth_dir, out, shard: str, *extra: str) -> None:
    code, _, err = _run(
        capsys,
        "run",
        "--model",
        "random:0",
        "--data-dir",
        str(synth_dir),
        "--out",
        str(out),
        "--shard",
        shard,
        "--frames",
        "8",
        "--no-score",
        *extra,
    )
    assert code == 0, err


def test_run_shards_then_merge_and_score(synth_dir, tmp_path, capsys):
    shards = [tmp_path / f"shard{i}.jsonl" for i in range(3)]
    for i, path in enumerate(shards):
        _run_shard(capsys, synth_dir, path, f"{i}/3")
    items = build_items(load_video_records(synth_dir), "mcq")
    assert sum(len(read_results(p).records) for p in shards) == len(items)
    merged = tmp_path / "merged.jsonl"
    code, out, err = _run(capsys, "merge", str(merged), *map(str, shards), "--data-dir", str(synth_dir))
    assert code == 0, err
    assert f"{len(items)} items merged (0 failed), 0 of {len(items)} missing" in out
    assert [line["id"] for line in read_results(merged).records] == [item["id"] for item in items]
    code, out, err = _run(capsys, "score", "--results", str(merged))
    assert code == 0, err
    assert "ALL" in out and "random:0" in out


def test_merge_refuses_overlapping_shards(synth_dir, tmp_path, capsys):
    first, again = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _run_shard(capsys, synth_dir, first, "0/2")
    _run_shard(capsys, synth_dir, again, "0/2")
    code, _, err = _run(capsys, "merge", str(tmp_path / "m.jsonl"), str(first), str(again))
    assert code == 1 and "appear in more than one input" in err
    assert not (tmp_path / "m.jsonl").exists()


def test_merge_reports_missing_items_and_the_merged_file_resumes(synth_dir, tmp_path, capsys):
    shard0 = tmp_path / "s0.jsonl"
    _run_shard(capsys, synth_dir, shard0, "0/2")
    items = build_items(load_video_records(synth_dir), "mcq")
    absent = [item["id"] for item in select_shard(items, "1/2")]
    merged = tmp_path / "m.jsonl"
    code, out, _ = _run(capsys, "merge", str(merged), str(shard0))
    assert code == 0 and f"{len(absent)} of {len(items)} missing" in out
    code, out, _ = _run(capsys, "merge", str(merged), str(shard0), "--data-dir", str(synth_dir), "--overwrite")
    assert code == 0 and f"missing: {', '.join(absent[:5])}" in out
    code, _, err = _run(
        capsys,
        "run",
        "--model",
        "random:0",
        "--data-dir",
        str(synth_dir),
        "--out",
        str(merged),
        "--frames",
        "8",
        "--no-score",
    )
    assert code == 0, err
    assert sorted(line["id"] for line in read_results(merged).records) == sorted(item["id"] for item in items)


def test_merge_refuses_different_runs(synth_dir, tmp_path, capsys):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _run_shard(capsys, synth_dir, a, "0/2")
    code, _, err = _run(
        capsys,
        "run",
        "--model",
        "random:0",
        "--data-dir",
        str(synth_dir),
        "--out",
        str(b),
        "--shard",
        "1/2",
        "--frames",
        "16",
        "--no-score",
    )
    assert code == 0, err
    code, _, err = _run(capsys, "merge", str(tmp_path / "m.jsonl"), str(a), str(b))
    assert code == 1 and "sampling" in err and "frames=16" in err


def test_merge_refuses_to_overwrite(tmp_path, capsys):
    existing = tmp_path / "m.jsonl"
    existing.write_text("")
    code, _, err = _run(capsys, "merge", str(existing), str(tmp_path / "x.jsonl"))
    assert code == 2 and "--overwrite" in err


def test_merge_leaves_out_and_reports_a_torn_last_line(synth_dir, tmp_path, capsys):
    shards = [tmp_path / f"s{i}.jsonl" for i in range(2)]
    for i, path in enumerate(shards):
        _run_shard(capsys, synth_dir, path, f"{i}/2")
    shards[1].write_bytes(shards[1].read_bytes()[:-25])  # killed while writing its last line
    code, out, err = _run(capsys, "merge", str(tmp_path / "m.jsonl"), *map(str, shards))
    total = len(build_items(load_video_records(synth_dir), "mcq"))
    assert code == 0, err
    assert f"{total - 1} items merged (0 failed), 1 of {total} missing" in out
    assert f"torn last line (interrupted write) was left out of {shards[1]}" in out
