"""The openai adapter against real HTTP servers on 127.0.0.1 (tests/chat_server.py)."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from chat_server import ChatServer, prompt_digest

from favor_hf.data.favor_json import load_video_records
from favor_hf.models import ModelInput, load_adapter
from favor_hf.models.openai_compat import OpenAIAdapter, OpenAIError
from favor_hf.results import read_results
from favor_hf.runner import Sampling, build_items, run_benchmark
from favor_hf.synth import make_synthetic_benchmark


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth")
    make_synthetic_benchmark(root, n=6, seed=3)
    return root


def _frames(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(n, 32, 48, 3), dtype=np.uint8)


@pytest.mark.parametrize("image_format", ["jpeg", "png"])
def test_frames_arrive_as_decodable_images(image_format):
    with ChatServer() as server:
        adapter = OpenAIAdapter("test-model", base_url=server.base_url, image_format=image_format)
        answers = adapter.generate([ModelInput(prompt="Describe it.", frames=_frames(3)), ModelInput(prompt="Again?")])
        adapter.close()
    assert answers == [f"{prompt_digest('Describe it.')} images=3", f"{prompt_digest('Again?')} images=0"]


def test_api_key_and_base_url_from_environment(monkeypatch):
    with ChatServer() as server:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        adapter = load_adapter("openai:test-model")
        assert adapter.name == "openai:test-model"
        assert adapter.generate([ModelInput(prompt="hi")]) == [f"{prompt_digest('hi')} images=0"]
        adapter.close()
    assert server.authorization == {"Bearer sk-local-test"}


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_statuses_are_retried(status):
    with ChatServer(fail=lambda n: n <= 2, fail_status=status) as server:
        adapter = OpenAIAdapter("m", base_url=server.base_url, backoff=0.01)
        assert adapter.generate([ModelInput(prompt="x")]) == [f"{prompt_digest('x')} images=0"]
    assert (server.requests, server.failures) == (3, 2)


def test_gives_up_after_max_retries():
    with ChatServer(fail=lambda n: True) as server:
        adapter = OpenAIAdapter("m", base_url=server.base_url, backoff=0.01, max_retries=2)
        with pytest.raises(OpenAIError, match="gave up after 3 attempts.*HTTP 503"):
            adapter.generate([ModelInput(prompt="x")])
    assert server.requests == 3


def test_client_errors_are_not_retried():
    with ChatServer() as server:
        adapter = OpenAIAdapter("m", base_url=server.base_url.replace("/v1", "/v2"), backoff=0.01)
        with pytest.raises(OpenAIError, match="HTTP 404.*not retried"):
            adapter.generate([ModelInput(prompt="x")])
    assert server.requests == 1


def test_connection_refused_is_retried_then_reported():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request: nothing listens there
    adapter = OpenAIAdapter("m", base_url=f"http://127.0.0.1:{port}/v1", backoff=0.01, max_retries=1)
    with pytest.raises(OpenAIError, match="gave up after 2 attempts.*ConnectError"):
        adapter.generate([ModelInput(prompt="x")])


def test_timeout_is_reported():
    with ChatServer(delay=1.0) as server:
        adapter = OpenAIAdapter("m", base_url=server.base_url, timeout=0.1, max_retries=0)
        with pytest.raises(OpenAIError, match="Timeout"):
            adapter.generate([ModelInput(prompt="x")])


def test_bad_base_url_is_refused():
    with pytest.raises(ValueError, match="must start with http"):
        OpenAIAdapter("m", base_url="localhost:8000/v1")


def test_two_replicas_one_flaky_every_item_answered_once(synth_dir, tmp_path):
    """Concurrency 6 over two replicas, the second failing every third request with 503."""
    records = load_video_records(synth_dir)
    items = build_items(records, "mcq")
    out = tmp_path / "results.jsonl"
    with ChatServer(delay=0.02) as good, ChatServer(delay=0.02, fail=lambda n: n % 3 == 0) as flaky:
        adapter = load_adapter("openai:test-model", base_url=[good.base_url, flaky.base_url], backoff=0.01)
        summary = run_benchmark(
            adapter, records, "mcq", out, sampling=Sampling(frames=8), concurrency=6, progress=False
        )
        adapter.close()
    assert (summary.answered, summary.failed) == (len(items), 0)
    assert flaky.failures > 0 and good.requests > 0
    assert good.requests + flaky.requests - flaky.failures == len(items)
    lines = read_results(out).records
    assert sorted(line["id"] for line in lines) == sorted(item["id"] for item in items)
    expected = {item["id"]: f"{prompt_digest(item['prompt'])} images=8" for item in items}
    assert {line["id"]: line["output"] for line in lines} == expected
    assert {line["sampling"] for line in lines} == {"frames=8,max_side=448"}


def _prefix_cache_usage():
    """A server-side prefix cache in miniature: 10 tokens per frame, cached when the frames were seen before."""
    seen: set[tuple[str, ...]] = set()

    def usage(payload: dict) -> dict:
        content = payload["messages"][0]["content"]
        frames = tuple(part["image_url"]["url"] for part in content if part["type"] == "image_url")
        cached = 10 * len(frames) if frames in seen else 0
        seen.add(frames)
        text = next(part["text"] for part in content if part["type"] == "text")
        return {
            "prompt_tokens": 10 * len(frames) + len(text.split()),
            "prompt_tokens_details": {"cached_tokens": cached},
        }

    return usage


def test_shared_prefix_sends_a_videos_first_question_before_the_rest(synth_dir, tmp_path):
    """With share_video_prefix a video's first question is answered before its others are sent, and the
    server's cached-token counts are recorded per line and summed in the summary."""
    records = load_video_records(synth_dir)
    items = build_items(records, "mcq")
    out = tmp_path / "shared.jsonl"
    with ChatServer(delay=0.02, usage=_prefix_cache_usage()) as server:
        adapter = load_adapter("openai:test-model", base_url=server.base_url, share_video_prefix=True)
        summary = run_benchmark(
            adapter, records, "mcq", out, sampling=Sampling(frames=4), concurrency=4, progress=False
        )
        adapter.close()
    assert (summary.answered, summary.failed) == (len(items), 0)
    for video in {item["video"] for item in items}:
        digests = [prompt_digest(item["prompt"]) for item in items if item["video"] == video]
        answered_first = server.events.index(("out", digests[0]))
        assert all(server.events.index(("in", d)) > answered_first for d in digests[1:]), video
    lines = {line["id"]: line for line in read_results(out).records}
    assert all(line["share_video_prefix"] is True for line in lines.values())
    firsts = {next(item["id"] for item in items if item["video"] == video) for video in {i["video"] for i in items}}
    for item_id, line in lines.items():
        assert line["usage"]["cached_tokens"] == (0 if item_id in firsts else 40), item_id
    assert summary.usage["cached_tokens"] == 40 * (len(items) - len(firsts))
    assert "cached tokens" in summary.format()


def test_responses_without_cached_tokens_record_no_usage(synth_dir, tmp_path):
    records = load_video_records(synth_dir)
    out = tmp_path / "plain.jsonl"
    with ChatServer() as server:
        adapter = load_adapter("openai:test-model", base_url=server.base_url)
        summary = run_benchmark(adapter, records, "mcq", out, sampling=Sampling(frames=4), limit=3, progress=False)
        adapter.close()
    lines = read_results(out).records
    assert [line["usage"] for line in lines] == [None] * 3 and [line["share_video_prefix"] for line in lines] == [
        False
    ] * 3
    assert "per question" not in summary.format()
