"""Time the Space: first start, one Questions run, one Caption run, and N users at once.

Usage: python benchmarks/space_latency.py [--users 6]

Starts ``python space/app.py`` on a free 127.0.0.1 port with its samples in a temporary
folder (so the first start generates them), then drives it over HTTP with
``gradio_client`` using the ``flow`` baseline. Needs the caption metric's resources
offline: ``NLTK_DATA`` and ``FAVOR_DICTIONARY_PATH`` (set from ``../shared`` if unset).
Prints seconds; writes nothing into the repository.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(root: Path, log) -> tuple[subprocess.Popen, str, float]:
    port = _free_port()
    env = {
        **os.environ,
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "GRADIO_TEMP_DIR": str(root / "gradio"),
        "FAVOR_SPACE_SAMPLES": str(root / "samples"),
        "FAVOR_SPACE_RESULTS": str(root / "results"),
        "HF_HUB_OFFLINE": "1",
    }
    env.setdefault("NLTK_DATA", str(SHARED / "nltk_data"))
    env.setdefault("FAVOR_DICTIONARY_PATH", str(SHARED / "favor" / "official" / "action_extraction_dicts.pkl"))
    url = f"http://127.0.0.1:{port}/"
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "space/app.py"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    while True:
        if process.poll() is not None:
            raise SystemExit(f"space/app.py exited:\n{(root / 'app.log').read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return process, url, time.perf_counter() - start
        except httpx.TransportError:
            time.sleep(0.2)


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=6, help="simultaneous users for the queue test")
    args = parser.parse_args()
    from gradio_client import Client

    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "app.log", "w") as log:
        process, url, startup = _start(Path(tmp), log)
        try:
            client = Client(url, verbose=False)

            def ask() -> None:
                client.predict("", "flow", "", "", "", 8, api_name="/run_questions")

            def caption() -> None:
                client.predict(
                    "", "flow", "", "", "", 8, "sentence-transformers/all-MiniLM-L6-v2", api_name="/run_caption"
                )

            questions = sorted(_timed(ask) for _ in range(3))
            captions = sorted(_timed(caption) for _ in range(3))

            def user(_: int) -> float:
                own = Client(url, verbose=False)
                return _timed(lambda: own.predict("", "flow", "", "", "", 8, api_name="/run_questions"))

            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.users) as pool:
                each = sorted(pool.map(user, range(args.users)))
            wall = time.perf_counter() - start
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"first start (samples, baseline runs, leaderboard warm-up): {startup:.1f} s")
    print(f"Questions tab, flow, one clip (median of 3): {questions[1]:.2f} s")
    print(f"Caption tab, flow + caption score (median of 3): {captions[1]:.2f} s")
    print(
        f"{args.users} users at once (Questions, concurrency limit 2): all answered in {wall:.1f} s, "
        f"slowest user {each[-1]:.1f} s, fastest {each[0]:.1f} s"
    )


if __name__ == "__main__":
    main()
