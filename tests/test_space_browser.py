"""The Space served for real: HTTP file access and upload limits, queued users, and headless Chromium.

One app process (``python space/app.py``) serves the whole module on a free 127.0.0.1
port, with its samples, results and Gradio cache in a temporary folder. Screenshots go to
``artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from conftest import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "artifacts"
MAX_UPLOAD_MB = 1
MAX_CAPTION_CHARS = 600


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    """Start ``python space/app.py``; yield its URL and folders; stop it."""
    root = tmp_path_factory.mktemp("space-app")
    (root / "results").mkdir()
    (root / "results" / "private.jsonl").write_text('{"id": "secret"}\n')
    port = _free_port()
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_TEMP_DIR": str(root / "gradio"),
        "FAVOR_SPACE_SAMPLES": str(root / "samples"),
        "FAVOR_SPACE_RESULTS": str(root / "results"),
        "FAVOR_SPACE_NUM_SAMPLES": "2",
        "FAVOR_SPACE_MAX_UPLOAD_MB": str(MAX_UPLOAD_MB),
        "FAVOR_SPACE_PUBLIC": "0",
        "FAVOR_SPACE_MAX_CAPTION_CHARS": str(MAX_CAPTION_CHARS),
    }
    log = (root / "app.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "space/app.py"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 240
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"space/app.py exited with {process.returncode}:\n{(root / 'app.log').read_text()[-3000:]}")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"space/app.py did not answer within 240 s:\n{(root / 'app.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"url": url, "root": root, "samples": root / "samples", "results": root / "results"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _file_route(space, path: Path | str) -> int:
    return httpx.get(f"{space['url']}gradio_api/file={path}", timeout=10).status_code


def test_file_route_serves_samples_and_refuses_everything_else(space):
    video = next((space["samples"] / "videos" / "FAVOR-Bench").glob("*.mp4"))
    assert _file_route(space, video) == 200
    for path in (
        "/etc/passwd",
        REPO / "space" / "app.py",
        REPO / "pyproject.toml",
        space["results"] / "private.jsonl",
        space["samples"] / "video_perspective.json",
        space["samples"] / "results" / "flow-mcq.jsonl",
        f"{video.parent}/../../../video_perspective.json",
        space["root"] / "app.log",
    ):
        assert _file_route(space, path) == 403, path


def test_upload_route_refuses_files_over_the_size_limit(space):
    big = os.urandom(MAX_UPLOAD_MB * 2**20 + 1024)
    response = httpx.post(
        f"{space['url']}gradio_api/upload", files={"files": ("big.mp4", big, "video/mp4")}, timeout=30
    )
    assert response.status_code == 413
    small = httpx.post(
        f"{space['url']}gradio_api/upload", files={"files": ("s.mp4", b"0" * 1000, "video/mp4")}, timeout=30
    )
    assert small.status_code == 200


def test_several_users_at_once_are_queued_and_all_answered(space):
    from gradio_client import Client

    def one_user(_: int) -> str:
        client = Client(space["url"], verbose=False)
        summary, table = client.predict("", "flow", "", "", "", 8, api_name="/run_questions")
        return summary + table

    with ThreadPoolExecutor(max_workers=4) as pool:
        pages = list(pool.map(one_user, range(4)))
    assert all("All tasks" in page and "questions-view" in page for page in pages)
    assert len(set(pages)) == 1  # same clip, same model: every user gets the same answers


def _browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")

    manager = sync_playwright().start()
    browser = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    return manager, browser


@pytest.fixture(scope="module")
def page(space):
    manager, browser = _browser()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(space["url"])
    page.wait_for_selector("#run-questions", timeout=60_000)
    yield page
    browser.close()
    manager.stop()


@pytest.mark.browser
def test_pick_a_sample_run_flow_and_see_scores_and_alignment(page):
    page.click("#sample-picker input")
    page.get_by_role("option", name="synth0001").click()
    expect(page.locator("#clip-info")).to_contain_text("synth0001", timeout=30_000)
    expect(page.locator("#clip-video video")).to_have_count(1, timeout=30_000)

    page.get_by_role("tab", name="Questions").click()
    page.click("#run-questions")
    page.wait_for_selector("#questions-view", timeout=60_000)
    rows = page.locator("#questions-view tr").count() - 1
    assert rows >= 4  # every synthetic clip has at least CM, SAD, AS and HAC questions
    summary = page.inner_text("#questions-summary")
    assert "All tasks" in summary and "Camera Motion" in summary

    page.get_by_role("tab", name="Caption").click()
    page.click("#run-caption")
    page.wait_for_selector("#alignment-view", timeout=120_000)
    # the flow baseline describes the camera only
    expect(page.locator("#caption-text textarea")).to_have_value(re.compile(r"^The camera"), timeout=30_000)
    expect(page.locator("#caption-scores [data-key]")).to_have_count(13, timeout=30_000)
    final = page.inner_text('#caption-scores [data-key="final_score"]')
    assert 0.0 <= float(final) <= 1.0
    alignment = page.locator("#alignment-view")
    expect(alignment.locator("tr.missed").first).to_be_visible()  # subject actions the caption misses
    assert "Camera motion segments" in alignment.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "space_caption.png"), full_page=True)

    # a partly right caption: the alignment shows matched, missed and invented actions side by side
    page.fill(
        "#caption-text textarea",
        "The camera zooms in. The purple diamond moves to the right, then the blue circle spins around and jumps.",
    )
    page.click("#rescore")
    expect(page.locator('#caption-scores [data-key="final_score"]')).not_to_have_text(final, timeout=60_000)
    assert float(page.inner_text('#caption-scores [data-key="final_score"]')) > float(final)
    for kind in ("matched", "missed", "invented"):
        expect(alignment.locator(f"tr.{kind}").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1000)  # let the fade-in of the new output finish before the screenshot
    page.screenshot(path=str(ARTIFACTS / "space_rescored.png"), full_page=True)
    expect(page.locator("#caption-scores")).to_contain_text("signature: favor_caption|")

    page.get_by_role("tab", name="Leaderboard").click()
    expect(page.locator("#board-mcq")).to_contain_text("random:0", timeout=60_000)
    expect(page.locator("#board-mcq")).to_contain_text("flow-mcq.jsonl")
    expect(page.locator("#board-chart canvas, #board-chart svg").first).to_be_visible(timeout=30_000)
    expect(page.locator("#board-paper-table")).to_contain_text("random:0")  # the paper's table, with intervals
    expect(page.locator("#board-caption")).to_contain_text("favor_caption|")  # caption rows show the signature
    # the text above the tables names the results folder the Space really reads (created by the fixture)
    expect(page.locator("#board-note")).to_contain_text("outputs in the Space's results folder (results/)")
    page.screenshot(path=str(ARTIFACTS / "space_leaderboard.png"), full_page=True)


@pytest.mark.browser
def test_uploads_are_checked_and_can_get_ground_truth(page, space, tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("#EXTM3U\nfile:///etc/passwd\n")
    page.click("#clip-video button[aria-label=Clear]")
    expect(page.locator("#clip-info")).to_contain_text("No clip selected", timeout=30_000)
    page.set_input_files("#clip-video input[type=file]", str(fake))
    expect(page.locator("#clip-info")).to_contain_text("Upload refused", timeout=30_000)
    assert "notes.mp4: not an MP4/MOV, MKV/WebM or AVI video file" in page.inner_text("#clip-info")

    sample = json.loads((space["samples"] / "video_perspective.json").read_text())[0]
    clip = tmp_path / "mine.mp4"
    shutil.copy(space["samples"] / "videos" / "FAVOR-Bench" / f"{sample['video_name']}.mp4", clip)
    page.set_input_files("#clip-video input[type=file]", str(clip))
    expect(page.locator("#clip-info")).to_contain_text("(upload)", timeout=30_000)
    assert "0 questions" in page.inner_text("#clip-info")
    page.get_by_role("tab", name="Questions").click()
    page.click("#run-questions")
    expect(page.locator("#questions-summary")).to_contain_text("This clip has no questions", timeout=30_000)
    page.get_by_text("Ground truth for an uploaded clip").click()
    page.fill("textarea[data-testid='textbox']:below(:text('FAVOR video record'))", json.dumps(sample))
    page.click("#run-questions")
    page.wait_for_selector("#questions-view tr >> nth=1", timeout=60_000)
    assert page.locator("#questions-view tr").count() - 1 == len(sample["questions"])


@pytest.mark.browser
def test_unavailable_models_show_a_message(page):
    page.click("#sample-picker input")
    page.get_by_role("option", name="synth0000").click()
    expect(page.locator("#clip-info")).to_contain_text("synth0000", timeout=30_000)

    page.fill("#caption-model input", "nobody/no-such-embedder")
    page.keyboard.press("Enter")
    page.get_by_role("tab", name="Caption").click()
    page.click("#run-caption")
    expect(page.locator("#caption-scores")).to_contain_text("the caption score cannot run here", timeout=60_000)
    assert "nobody/no-such-embedder" in page.inner_text("#caption-scores")
    assert page.input_value("#caption-text textarea").startswith("The camera")  # the caption is kept

    page.click("#model-kind input")
    page.get_by_role("option", name="transformers: an image-text-to-text model from the Hub").click()
    page.fill("#model-id textarea, #model-id input", "nobody/no-such-model")
    page.get_by_role("tab", name="Questions").click()
    page.click("#run-questions")
    expect(page.locator("#questions-summary")).to_contain_text("is not available here", timeout=60_000)
    assert "transformers:nobody/no-such-model is not available here" in page.inner_text("#questions-summary")
    assert "Traceback" not in page.content()


def _words_split_across_lines(page, selector: str) -> list[str]:
    """Words of the elements matching ``selector`` that the browser broke over two lines."""
    return page.eval_on_selector_all(
        selector,
        """els => els.flatMap(el => {
            const split = [];
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const m of node.data.matchAll(/\\S+/g)) {
                    const range = document.createRange();
                    range.setStart(node, m.index);
                    range.setEnd(node, m.index + m[0].length);
                    if (range.getClientRects().length > 1) split.push(m[0]);
                }
            }
            return split;
        })""",
    )


@pytest.mark.browser
def test_paper_table_headers_do_not_break_words_at_1400_px(page):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.get_by_role("tab", name="Leaderboard").click()
    expect(page.locator("#board-paper-table th").first).to_be_visible(timeout=60_000)
    assert page.locator("#board-paper-table th").count() > 5
    assert _words_split_across_lines(page, "#board-paper-table th") == []
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.browser
def test_a_caption_over_the_limit_is_refused_with_a_message(page):
    page.click("#sample-picker input")
    page.get_by_role("option", name="synth0000").click()
    page.get_by_role("tab", name="Caption").click()
    page.fill("#caption-text textarea", "The camera pans left. " * 40)
    page.click("#rescore")
    expect(page.locator("#caption-scores")).to_contain_text(
        f"this Space takes at most {MAX_CAPTION_CHARS}", timeout=60_000
    )
    assert "FAVOR_SPACE_MAX_CAPTION_CHARS" in page.inner_text("#caption-scores")


def test_scoring_a_caption_does_not_wait_behind_model_runs(space):
    from chat_server import ChatServer
    from gradio_client import Client

    with ChatServer(delay=6.0) as server:
        slow = [Client(space["url"], verbose=False) for _ in range(3)]
        jobs = [
            client.submit("", "openai", "slow-vlm", server.base_url, "", 2, api_name="/run_questions")
            for client in slow
        ]
        time.sleep(2.0)  # the model runs hold their concurrency group
        start = time.monotonic()
        scores, _ = Client(space["url"], verbose=False).predict(
            "", "The camera pans left.", "sentence-transformers/all-MiniLM-L6-v2", api_name="/rescore"
        )
        waited = time.monotonic() - start
        assert not any(job.done() for job in jobs)  # the model runs are still going
    assert waited < 15.0 and 'data-key="final_score"' in scores
