"""The optional LLM caption judge against real chat-completions servers on 127.0.0.1."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from chat_server import ChatServer
from test_stats import run_random, write_bench

from favor_hf.caption.analysis.llm_judge import (
    PROMPT_SHA1,
    JudgeError,
    judge_captions,
    judge_prompt,
    parse_judgement,
)
from favor_hf.models.openai_compat import OpenAIAdapter
from favor_hf.report import build_report
from favor_hf.report_inputs import load_final_records
from favor_hf.results import ResultsError
from favor_hf.schema import CAPTION_JUDGE_TASK as JUDGE_TASK

pytestmark = pytest.mark.filterwarnings("ignore::favor_hf.data.favor_json.FavorDataWarning")


def judge_reply(prompt: str, images: int) -> str:
    """A judgement derived from the prompt: correctness 7, detail = candidate words mod 11."""
    candidate = prompt.split("Description to grade:\n", 1)[1].split("\n\nGive two", 1)[0]
    return f'Here you go: {{"correctness": 7, "detail": {len(candidate.split()) % 11}}}'


def judge_server(fail_first: int = 0) -> ChatServer:
    """A chat server answering with :func:`judge_reply`, 503 to the first ``fail_first`` requests."""
    return ChatServer(reply=judge_reply, fail=lambda n: n <= fail_first)


def sent_prompts(server: ChatServer) -> list[str]:
    return [payload["messages"][0]["content"][-1]["text"] for payload in server.payloads]


@pytest.fixture(scope="module")
def caption_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("judge")
    return run_random(write_bench(folder / "bench", 6), folder / "caption.jsonl", 0, task="caption")


def test_parse_judgement():
    assert parse_judgement('{"correctness": 7, "detail": 4}') == (7, 4)
    assert parse_judgement("Correctness: 8.5\nDetail = 3") == (8.5, 3)
    with pytest.raises(JudgeError, match="no detail score"):
        parse_judgement('{"correctness": 7}')
    with pytest.raises(JudgeError, match="detail 12, outside 0-10"):
        parse_judgement('{"correctness": 7, "detail": 12}')


def test_prompt_is_ours_and_hashed():
    prompt = judge_prompt("The man walks in.", "")
    assert "not the FAVOR-Bench authors' prompt" in prompt and "The man walks in." in prompt and "(empty)" in prompt
    assert re.fullmatch(r"[0-9a-f]{40}", PROMPT_SHA1)


def test_judge_records_model_prompt_hash_and_resumes(caption_run, tmp_path):
    out = tmp_path / "judged.jsonl"
    captions = load_final_records(caption_run)
    with judge_server(fail_first=2) as server:
        adapter = OpenAIAdapter("judge-model", base_url=server.base_url, backoff=0.01, max_new_tokens=64)
        summary = judge_captions(caption_run, adapter, out, concurrency=3, progress=False)
        assert summary.judged == len(captions) and summary.failed == 0  # the two 503s were retried
        assert {payload["model"] for payload in server.payloads} == {"judge-model"}
        assert sorted(sent_prompts(server)[2:]) == sorted(
            judge_prompt(r["reference"]["caption"], r["output"]) for r in captions
        )
        again = judge_captions(caption_run, adapter, out, progress=False)
        assert again.skipped == len(captions) and again.judged == 0
        adapter.close()
    lines = load_final_records(out)
    assert {line["id"] for line in lines} == {r["id"] for r in captions}
    first = lines[0]
    assert (
        first["task"] == JUDGE_TASK and first["model"] == "openai:judge-model" and first["prompt_sha1"] == PROMPT_SHA1
    )
    assert first["judged_model"] == "random:0" and first["correctness"] == 7
    assert summary.detail == pytest.approx(sum(line["detail"] for line in lines) / len(lines))
    other = OpenAIAdapter("another-judge", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ResultsError, match="model"):
        judge_captions(caption_run, other, out, progress=False)


def test_unparseable_replies_are_recorded_and_retried_later(caption_run, tmp_path, minilm):
    out = tmp_path / "judged.jsonl"
    with ChatServer() as server:  # answers "<digest> images=0": no scores
        adapter = OpenAIAdapter("judge-model", base_url=server.base_url)
        summary = judge_captions(caption_run, adapter, out, progress=False)
        adapter.close()
    assert summary.judged == 0 and summary.failed == 6 and "no correctness score" in summary.errors[0]
    with judge_server() as server:
        adapter = OpenAIAdapter("judge-model", base_url=server.base_url)
        summary = judge_captions(caption_run, adapter, out, progress=False)
        adapter.close()
    assert summary.judged == 6 and summary.correctness == 7
    report = build_report([caption_run, out], caption_model=minilm, validity=False)
    judged = report.rows[0]["judge"]
    assert judged["judged"] == 6 and judged["failed"] == 0 and judged["official"] is False
    assert judged["judge_model"] == "openai:judge-model" and judged["prompt_sha1"] == PROMPT_SHA1
    assert "7.00 / " in report.markdown()


def test_judge_captions_command(caption_run, tmp_path):
    out = tmp_path / "judged.jsonl"
    with judge_server() as server:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "favor_hf",
                "judge-captions",
                "--results",
                str(caption_run),
                "--model",
                "judge-model",
                "--base-url",
                server.base_url,
                "--out",
                str(out),
                "--concurrency",
                "2",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    assert f"prompt sha1 {PROMPT_SHA1[:12]} (favor-hf's prompt, not the official one)" in done.stdout
    assert "6 captions: 0 already judged, 6 judged now, 0 failed" in done.stdout
    assert "correctness 7.00 / 10" in done.stdout
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "favor_hf",
            "judge-captions",
            "--results",
            str(out),
            "--model",
            "m",
            "--out",
            str(tmp_path / "x.jsonl"),
            "--base-url",
            "http://127.0.0.1:9/v1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1 and "not a caption results file" in refused.stderr
