"""The favor-hf task pack run by the real lmms-eval CLI against a loopback OpenAI-compatible server.

lmms-eval 0.7.3 imports ``filelock._api``, which filelock 4.x no longer has; the run goes
through a two-line shim that skips lmms-eval's file-lock patch (only needed for several
processes) and then calls lmms-eval's own command line unchanged.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from chat_server import ChatServer

from conftest import REPO, minilm_path
from favor_hf.cli import main
from favor_hf.integrations import lmms_eval_tasks_path, load_results
from favor_hf.runner import score_records
from favor_hf.schema import CAPTION_SCORE_KEYS, TASK_CODES
from favor_hf.synth import make_synthetic_benchmark

pytest.importorskip("lmms_eval")

SHIM = (
    "import sys; from lmms_eval import evaluator; evaluator._enable_reentrant_filelocks._patched = True; "
    "from lmms_eval.__main__ import cli_evaluate; sys.argv[0] = 'lmms_eval'; cli_evaluate()"
)
CAPTION = "The camera tilts upward. The orange circle moves down, then the blue circle moves to the left."


def reply(prompt: str, images: int) -> str:
    """An answer that depends on the prompt: an option, a hedge, a letter, or a caption."""
    if "answer among" not in prompt:
        return CAPTION if images else "no video"
    options = ast.literal_eval(prompt.rsplit("answer among ", 1)[1])
    pick = int(hashlib.sha1(prompt.encode()).hexdigest(), 16) % (len(options) + 2)
    if pick == len(options):
        return f"{options[0]} or {options[1]}"
    if pick == len(options) + 1:
        return "(C)"
    return f"The answer is {options[pick]}." if pick % 2 else options[pick]


@pytest.fixture(scope="module")
def lmms_run(tmp_path_factory):
    """One lmms-eval run of favor_bench_mcq and favor_bench_caption on 3 synthetic clips (8 frames each)."""
    root = tmp_path_factory.mktemp("lmms")
    bench = make_synthetic_benchmark(root / "synth", n=3, seed=1)
    out = root / "out"
    env = {
        **os.environ,
        "FAVOR_DATA_DIR": str(bench.root),
        "FAVOR_CAPTION_MODEL": minilm_path(),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HOME": str(root / "hf_home"),
        "OPENAI_API_KEY": "test-key",
        "PYTHONPATH": str(REPO),
    }
    with ChatServer(reply=reply) as server:
        args = [
            "--model",
            "openai",
            "--model_args",
            f"model_version=test-vlm,base_url={server.base_url},max_frames_num=8,num_concurrent=4",
            "--tasks",
            "favor_bench_mcq,favor_bench_caption",
            "--include_path",
            lmms_eval_tasks_path(),
            "--output_path",
            str(out),
            "--log_samples",
            "--verbosity",
            "WARNING",
        ]
        proc = subprocess.run(
            [sys.executable, "-c", SHIM, *args],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    # lmms-eval logs an evaluation error and still exits 0: check what it wrote
    found = list((out / "test-vlm").glob("*_results.json"))
    assert proc.returncode == 0 and len(found) == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    [results] = found
    logs = {
        task: next((out / "test-vlm").glob(f"*_samples_{task}.jsonl"))
        for task in ("favor_bench_mcq", "favor_bench_caption")
    }
    return {"bench": bench, "results": json.loads(results.read_text()), "logs": logs}


def _metric(results: dict, task: str, name: str) -> float:
    return results["results"][task][f"{name},none"]


def test_mcq_accuracies_equal_favor_hf_score(lmms_run, capsys):
    records = load_results(lmms_run["logs"]["favor_bench_mcq"], data_dir=lmms_run["bench"].root)
    questions = sum(len(r["questions"]) for r in lmms_run["bench"].records)
    assert len(records) == questions
    assert {(r["model"], r["sampling"]) for r in records} == {
        ("test-vlm", "lmms-eval:frames=8")
    }  # from the run's model_args
    assert {r["universe"]["items"] for r in records} == {questions}
    official = score_records(records, "mcq", judge="official")
    strict = score_records(records, "mcq", judge="strict")
    assert 0 < official["ALL"] < 100 and official["hedged"] > 0  # a mix of right, wrong and hedged answers
    for task in ("ALL", *TASK_CODES):
        if task in official:
            assert _metric(lmms_run["results"], "favor_bench_mcq", task) == pytest.approx(official[task], abs=1e-9)
            assert _metric(lmms_run["results"], "favor_bench_mcq", f"strict_{task}") == pytest.approx(
                strict[task], abs=1e-9
            )
        else:  # no NSM questions in synthetic clips
            assert math.isnan(_metric(lmms_run["results"], "favor_bench_mcq", task))
    assert _metric(lmms_run["results"], "favor_bench_mcq", "hedged") == official["hedged"]
    assert _metric(lmms_run["results"], "favor_bench_mcq", "failed") == 0
    # the same numbers from the command line, straight from lmms-eval's log
    assert main(["score", "--results", str(lmms_run["logs"]["favor_bench_mcq"])]) == 0
    out = capsys.readouterr().out
    assert "model test-vlm | task mcq" in out and f"ALL   {official['ALL']:.2f}" in out
    assert f"{strict['ALL']:.2f}" in out.split("both judges")[1]


def test_prompts_and_frames_reach_the_server(lmms_run):
    # every MCQ answer came from the official prompt (the reply parses its option list) with 8 frames attached
    records = load_results(lmms_run["logs"]["favor_bench_mcq"])
    assert all(r["output"] and "no video" not in r["output"] for r in records)
    captions = load_results(lmms_run["logs"]["favor_bench_caption"])
    assert [r["output"] for r in captions] == [CAPTION] * len(lmms_run["bench"].records)


def test_caption_scores_equal_favor_hf_score(lmms_run, minilm):
    records = load_results(lmms_run["logs"]["favor_bench_caption"])
    assert {r["task"] for r in records} == {"caption"}
    scores = score_records(records, "caption", caption_model=minilm)
    assert _metric(lmms_run["results"], "favor_bench_caption", "final_score") == pytest.approx(
        scores["final_score"], abs=1e-9
    )
    assert 0 < scores["final_score"] < 1 and set(CAPTION_SCORE_KEYS) <= scores.keys()  # all 13 from the log
    assert _metric(lmms_run["results"], "favor_bench_caption", "failed") == 0


def test_plugin_package_points_at_the_same_tasks():
    # LMMS_EVAL_PLUGINS=favor_hf.integrations.lmms_eval_pack adds <plugin>.tasks and reads <plugin>.models
    spec = importlib.util.find_spec("favor_hf.integrations.lmms_eval_pack.tasks")
    assert Path(spec.submodule_search_locations[0]) == Path(lmms_eval_tasks_path())
    from favor_hf.integrations.lmms_eval_pack.models import AVAILABLE_MODELS

    assert AVAILABLE_MODELS == {}
    assert sorted(p.name for p in Path(lmms_eval_tasks_path()).glob("*/*.yaml")) == [
        "favor_bench_caption.yaml",
        "favor_bench_mcq.yaml",
    ]
