"""The newcomer's path: what a first user runs into, fixed and kept fixed.

Upstream result keys with ``.mp4``, ``check-data --strict`` saying why it fails, CLI errors
naming flags, the push error naming ``hf auth login``, and the Space's alignment table
showing every matched pair.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import minilm_path
from favor_hf.app import html_views
from favor_hf.caption import score_captions
from favor_hf.cli import main
from favor_hf.cli.flags import RUN_FLAGS, SCORE_CAPTIONS_FLAGS, in_flags
from favor_hf.data.export import export_dataset
from favor_hf.mcq import judge_official
from favor_hf.synth import make_synthetic_benchmark


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    return make_synthetic_benchmark(tmp_path_factory.mktemp("newcomer") / "data", 2, seconds=1.0, progress=False)


def test_score_mcq_rejudges_upstream_keys_with_mp4(bench, tmp_path, capsys):
    """The official script writes ``{"<id>.mp4": [...]}``; the question file names videos without it."""
    lines = []
    for record in bench.records:
        entries = [
            {
                "task_type": q["task_type"],
                "correct_answer": q["correct_answer"],
                "output": q["correct_answer"],
                "judge": judge_official(q["correct_answer"], q["correct_answer"], q["options"]),
            }
            for q in record["questions"]
        ]
        lines.append(json.dumps({f"{record['video_name']}.mp4": entries}))
    path = tmp_path / "Model.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["score-mcq", str(path), "--data-dir", str(bench.root), "--judge", "strict", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)[str(path)]
    assert scores["ALL"] == 100.0 and scores["counts"]["ALL"] == sum(len(r["questions"]) for r in bench.records)
    assert scores["checks"]["official_disagrees_with_stored"] == 0
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text(json.dumps({"nope.mp4": json.loads(lines[0]).popitem()[1]}) + "\n", encoding="utf-8")
    assert main(["score-mcq", str(unknown), "--data-dir", str(bench.root)]) == 1
    assert "video 'nope.mp4' is not in the question file" in capsys.readouterr().err


def test_check_data_strict_says_why_it_fails(bench, tmp_path, capsys):
    data = tmp_path / "data"
    (data / "videos" / "FAVOR-Bench").mkdir(parents=True)
    (data / "video_perspective.json").write_bytes((bench.root / "video_perspective.json").read_bytes())
    present = bench.records[1]["video_name"]
    (data / "videos" / "FAVOR-Bench" / f"{present}.mp4").write_bytes(Path(bench.video_paths[1]).read_bytes())
    assert main(["check-data", "--data-dir", str(data)]) == 0
    assert main(["check-data", "--data-dir", str(data), "--strict"]) == 1
    err = capsys.readouterr().err
    assert "favor-hf check-data: error: 1 missing video(s) (--strict; --list-missing names them)" in err
    (data / "videos" / "FAVOR-Bench" / f"{present}.mp4").write_bytes(b"not a video")
    assert main(["check-data", "--data-dir", str(data), "--check-videos"]) == 1
    assert "favor-hf check-data: error: 1 unreadable video(s)" in capsys.readouterr().err


def test_cli_errors_name_flags_not_python_arguments(bench, tmp_path, capsys):
    predictions = tmp_path / "captions.json"
    predictions.write_text(json.dumps({r["video_name"]: r["caption"] for r in bench.records}), encoding="utf-8")
    args = [
        "score-captions",
        "--predictions",
        str(predictions),
        "--references",
        str(bench.root),
        "--out",
        str(tmp_path / "s.json"),
    ]
    assert main([*args, "--model", "nobody/no-such-sentence-model"]) == 2  # conftest: HF_HUB_OFFLINE=1
    err = capsys.readouterr().err
    assert "'nobody/no-such-sentence-model' is not in the Hugging Face cache" in err
    assert "(--model)" in err and "model_name=" not in err
    assert main(["score", "--results", str(tmp_path / "none.jsonl"), "--caption-model", "x"]) == 1
    # every Python argument a library message may name has its flag (or none) in each command
    word_lists = "Offline, point $FAVOR_DICTIONARY_PATH (or dictionary_path=) at a local copy"
    assert (
        in_flags(word_lists, SCORE_CAPTIONS_FLAGS)
        == "Offline, point $FAVOR_DICTIONARY_PATH (or --dictionary) at a local copy"
    )
    assert in_flags(word_lists, RUN_FLAGS) == "Offline, point $FAVOR_DICTIONARY_PATH at a local copy"
    assert in_flags("as the model name (model_name=)", RUN_FLAGS) == "as the model name (--caption-model)"
    assert main([*args, "--model", minilm_path()]) == 0


class _Unauthorized(BaseHTTPRequestHandler):
    """A loopback 'Hub' that refuses every request as unauthenticated."""

    def _refuse(self) -> None:
        body = b'{"error": "Invalid credentials in Authorization header"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = _refuse

    def log_message(self, *args) -> None:
        pass


def test_push_refused_by_the_hub_names_hf_auth_login(bench, tmp_path):
    export_dataset(tmp_path / "favor-bench", data_dir=bench.root, check_videos=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN")}
        env.update(HF_ENDPOINT=f"http://127.0.0.1:{server.server_address[1]}", HF_HOME=str(tmp_path / "hf"))
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "favor_hf",
                "push",
                "--repo",
                "org/favor-bench",
                "--folder",
                "favor-bench",
                "--token",
                "hf_bad",
            ],
            check=False,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.shutdown()
    assert result.returncode == 2
    assert "could not upload favor-bench to the Hub dataset 'org/favor-bench'" in result.stderr
    assert "`hf auth login`, or set HF_TOKEN" in result.stderr and "huggingface-cli" not in result.stderr


def test_alignment_table_shows_every_pair_when_two_caption_actions_match_one():
    reference = {
        "camera_motion": "Static",
        "subject_attributes": "Subject 1: Man [short hair]",
        "motion_list": "Subject 1: Man [walks to the left, sits down]",
        "chronological_motion_list": "walks to the left (Subject 1), sits down (Subject 1)",
    }
    caption = "The camera is static. A man walks to the left, walks left again, and sits down."
    result = score_captions([caption], [reference], model_name=minilm_path(), return_details=True)
    alignment = result["details"][0]["alignment"]
    chronology = alignment["chronology"]
    assert [pair["reference_index"] for pair in chronology["matched"]] == [0, 0, 1]  # two caption actions match one
    view = html_views.alignment_html(alignment)
    chronology_view = view[view.index("Chronological order") :]
    assert chronology_view.count('<tr class="matched">') == 3
    assert "walks left again" in chronology_view
    verdict = html_views.verdict_html(alignment)
    assert "Chronology: 2 of 2 actions matched (by 3 caption actions), 0 invented" in verdict
    assert "their actions: 2 matched (by 3 caption actions), 0 missed" in verdict
