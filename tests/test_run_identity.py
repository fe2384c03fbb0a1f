"""A run's identity: every setting is recorded, a resume with another one is refused naming the flag,
old files still read, re-scoring uses the recorded caption score, reports keep settings apart."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from tiny_vlm import tiny_qwen2_5_vl  # noqa: F401 (fixture)

from conftest import REPO, minilm_path
from favor_hf.cli import main
from favor_hf.results import ResultsError, read_results
from favor_hf.run_identity import identity_difference, settings_labels

BASE = ["--frames", "8", "--max-side", "64", "--limit", "2", "--device", "cpu", "--no-score"]
DEFAULTS = {"--dtype": "float32", "--max-new-tokens": "3", "--batch-size": "1", "--attn-implementation": "eager"}


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    from favor_hf.synth import make_synthetic_benchmark

    root = tmp_path_factory.mktemp("synth")
    make_synthetic_benchmark(root, n=2, seed=3)
    return root


def _run(model: str, data: object, out: object, task: str = "mcq", **flags: str) -> list[str]:
    options = {**DEFAULTS, **flags}
    return [
        "run",
        "--model",
        f"transformers:{model}",
        "--task",
        task,
        "--data-dir",
        str(data),
        "--out",
        str(out),
        *BASE,
        *(part for pair in options.items() for part in pair),
    ]


def test_lines_record_every_setting(tiny_qwen2_5_vl, synth_dir, tmp_path):  # noqa: F811
    out = tmp_path / "r.jsonl"
    assert main(_run(tiny_qwen2_5_vl, synth_dir, out)) == 0
    settings = read_results(out).records[0]["settings"]
    assert settings["dtype"] == "float32" and settings["max_new_tokens"] == 3 and settings["batch_size"] == 1
    assert settings["attn_implementation"] == "eager" and settings["device"] == "cpu"
    assert len(settings["prompt"]) == 12 and settings["favor_hf"]
    assert "api_key" not in settings and "video_input" not in settings


@pytest.mark.parametrize(
    ("flag", "value", "recorded", "now"),
    [
        ("--dtype", "bfloat16", "'float32'", "'bfloat16'"),
        ("--max-new-tokens", "4", "3", "4"),
        ("--batch-size", "2", "1", "2"),
        ("--attn-implementation", "sdpa", "'eager'", "'sdpa'"),
    ],
)
def test_resume_with_another_model_setting_is_refused(
    tiny_qwen2_5_vl,  # noqa: F811
    synth_dir,
    tmp_path,
    capsys,
    flag,
    value,
    recorded,
    now,
):
    out = tmp_path / "r.jsonl"
    assert main(_run(tiny_qwen2_5_vl, synth_dir, out)) == 0
    before = out.read_bytes()
    capsys.readouterr()
    assert main(_run(tiny_qwen2_5_vl, synth_dir, out, **{flag: value, "--limit": "3"})) == 1
    error = capsys.readouterr().err
    assert f"{flag} differs: the file was run with {recorded}, this run has {now}" in error
    assert "favor-hf run: error: " in error and out.read_bytes() == before


@pytest.mark.parametrize(
    ("flag", "first", "second"),
    [("--caption-model", "A", "B"), ("--official-hash-seed", "0", "1")],
)
def test_resume_with_another_caption_score_is_refused(
    tiny_qwen2_5_vl,  # noqa: F811
    synth_dir,
    tmp_path,
    capsys,
    flag,
    first,
    second,
):
    out = tmp_path / "c.jsonl"
    assert main(_run(tiny_qwen2_5_vl, synth_dir, out, task="caption", **{flag: first})) == 0
    assert main(_run(tiny_qwen2_5_vl, synth_dir, out, task="caption", **{flag: second})) == 1
    recorded, now = (repr(first), repr(second)) if flag == "--caption-model" else (first, second)
    assert f"{flag} differs: the file was run with {recorded}, this run has {now}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("target", "attribute", "what"),
    [
        ("favor_hf", "__version__", "the favor-hf version"),
        ("favor_hf.prompts", "MCQ_INSTRUCTION", "the prompt template"),
    ],
)
def test_resume_with_another_version_or_prompt_is_refused(
    tiny_qwen2_5_vl,  # noqa: F811
    synth_dir,
    tmp_path,
    capsys,
    monkeypatch,
    target,
    attribute,
    what,
):
    import importlib

    out = tmp_path / "r.jsonl"
    assert main(_run(tiny_qwen2_5_vl, synth_dir, out)) == 0
    monkeypatch.setattr(importlib.import_module(target), attribute, "changed")
    assert main(_run(tiny_qwen2_5_vl, synth_dir, out)) == 1
    assert f"{what} differs: the file was run with" in capsys.readouterr().err


def test_device_and_adapter_options_name_their_flag():
    line = {"model": "m", "settings": {"device": "cuda", "temperature": 0.0, "share_video_prefix": False}}
    now = {"model": "m", "settings": {"device": "cpu", "temperature": 0.7, "share_video_prefix": True}}
    text = identity_difference(line, now)
    assert "--device differs: the file was run with 'cuda', this run has 'cpu'" in text
    assert "temperature differs: the file was run with 0.0, this run has 0.7" in text
    assert "--share-video-prefix differs: the file was run with False, this run has True" in text
    assert identity_difference(line, line) is None


@pytest.fixture()
def old_file(tmp_path):
    """A results file written before favor-hf recorded ``settings`` (random baseline, two items)."""
    from favor_hf.data.favor_json import load_video_records
    from favor_hf.models import load_adapter
    from favor_hf.runner import run_benchmark
    from favor_hf.synth import make_synthetic_benchmark

    make_synthetic_benchmark(tmp_path / "data", n=2, seed=3)
    out = tmp_path / "old.jsonl"
    run_benchmark(load_adapter("random:0"), load_video_records(tmp_path / "data"), "mcq", out, progress=False)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    out.write_text("".join(json.dumps({k: v for k, v in line.items() if k != "settings"}) + "\n" for line in lines))
    return out


def test_old_files_still_score_and_refuse_resume(old_file, tmp_path):
    scored = subprocess.run(
        [sys.executable, "-m", "favor_hf", "score", "--results", str(old_file)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert scored.returncode == 0, scored.stderr
    assert "ALL" in scored.stdout
    resumed = subprocess.run(
        [sys.executable, "-m", "favor_hf", "run", "--model", "random:0", "--data-dir", str(tmp_path / "data")]
        + ["--out", str(old_file), "--no-score"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert resumed.returncode == 1
    assert "written before favor-hf recorded run settings" in resumed.stderr


def test_rescoring_uses_the_recorded_caption_score(tmp_path, capsys):
    from favor_hf.data.favor_json import load_video_records
    from favor_hf.models import load_adapter
    from favor_hf.runner import run_benchmark
    from favor_hf.synth import make_synthetic_benchmark

    make_synthetic_benchmark(tmp_path / "data", n=2, seed=3)
    out = tmp_path / "c.jsonl"
    records = load_video_records(tmp_path / "data")
    run_benchmark(
        load_adapter("random:0"),
        records,
        "caption",
        out,
        progress=False,
        caption_model=minilm_path(),
        official_hash_seed=3,
    )
    assert main(["score", "--results", str(out), "--json", str(tmp_path / "s.json")]) == 0
    printed = capsys.readouterr().out
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["model_name"] == minilm_path() and "|seed:3|" in scores["signature"] and "note:" not in printed
    assert scores["environment"]["python"] and scores["environment"]["torch"]
    assert main(["score", "--results", str(out), "--official-hash-seed", "0"]) == 0
    printed = capsys.readouterr().out
    assert "|seed:0|" in printed and "note: re-scored with --official-hash-seed 0; the run recorded 3" in printed
    assert main(["report", str(out), "--no-validity", "--official-hash-seed", "0"]) == 0
    assert f"- {out}: re-scored with --official-hash-seed 0; the run recorded 3" in capsys.readouterr().out


def test_settings_labels_name_only_what_differs():
    assert settings_labels([{"dtype": "bfloat16", "v": 1}, {"dtype": "float32", "v": 1}]) == [
        "dtype=bfloat16",
        "dtype=float32",
    ]
    assert settings_labels([{"v": 1}, {"v": 1}]) == ["", ""]
    assert settings_labels([{}, {"v": 1}]) == ["settings not recorded", "v=1"]


def test_resume_mismatch_of_a_results_store_raises(tmp_path):
    from favor_hf.results import check_identity

    line = {"id": "x", "model": "m", "settings": {"dtype": "float32"}}
    with pytest.raises(ResultsError, match="--dtype differs"):
        check_identity([line], {"model": "m", "settings": {"dtype": "bfloat16"}}, "f.jsonl")


@pytest.fixture()
def two_settings(tmp_path):
    """One random:0 MCQ run recorded twice, as if in bfloat16 and in float32 (same answers)."""
    from favor_hf.data.favor_json import load_video_records
    from favor_hf.models import load_adapter
    from favor_hf.runner import run_benchmark
    from favor_hf.synth import make_synthetic_benchmark

    make_synthetic_benchmark(tmp_path / "data", n=2, seed=3)
    folder = tmp_path / "runs"
    folder.mkdir()
    run_benchmark(
        load_adapter("random:0"), load_video_records(tmp_path / "data"), "mcq", folder / "a.jsonl", progress=False
    )
    lines = [json.loads(line) for line in (folder / "a.jsonl").read_text().splitlines()]
    for name, dtype in (("a", "bfloat16"), ("b", "float32")):
        for line in lines:
            line["settings"] = {**line["settings"], "dtype": dtype}
        (folder / f"{name}.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return folder / "a.jsonl", folder / "b.jsonl"


def test_report_keeps_two_settings_of_one_model_apart(two_settings, tmp_path):
    out = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "favor_hf", "report", *map(str, two_settings), "--no-validity", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "| random:0 (dtype=bfloat16) |" in done.stdout and "| random:0 (dtype=float32) |" in done.stdout
    assert "environment: favor_hf " in done.stdout
    report = json.loads(out.read_text())
    assert {run["settings"]["dtype"] for run in report["runs"]} == {"bfloat16", "float32"}
    assert report["environment"]["python"]


def test_compare_names_the_settings_that_differ(two_settings, capsys):
    assert main(["compare", *map(str, two_settings)]) == 0
    assert "note: other settings: dtype 'bfloat16' vs 'float32'" in capsys.readouterr().out


def test_leaderboard_labels_rows_by_settings(two_settings):
    from favor_hf.app.leaderboard import build_leaderboard

    board = build_leaderboard({"results": two_settings[0].parent})
    assert sorted(board.mcq["settings"]) == ["dtype=bfloat16", "dtype=float32"]
    assert "random:0 (dtype=bfloat16)" in board.paper_table
    assert {"ALL · random:0 (dtype=bfloat16)", "ALL · random:0 (dtype=float32)"} <= set(board.chart["bar"])


@pytest.mark.parametrize(
    ("key", "old", "new", "named"),
    [
        ("universe", {"items": 8, "sha1": "a"}, {"items": 9, "sha1": "b"}, "the item set (--data-dir)"),
        ("video_input", "images", "video", "--video-input"),
    ],
)
def test_item_set_and_video_input_name_what_to_change(key, old, new, named):
    assert identity_difference({key: old}, {key: new}).startswith(f"{named} differs: the file was run with {old!r}")
