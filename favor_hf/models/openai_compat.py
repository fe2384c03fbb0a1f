"""The ``openai`` adapter: any OpenAI-compatible chat-completions server (GPT-4o, vLLM, SGLang, LMDeploy, Ollama).

Sampled frames go in one user message followed by the prompt: with ``video_input="images"``
(default) as base64 ``image_url`` parts (JPEG or PNG data URLs); with ``"video"`` as one
``video_url`` part in the form vLLM documents for pre-extracted frames
(``data:video/jpeg;base64,<frame 1>,<frame 2>,...``), so vLLM-served Qwen-VL models give the
frames video positions. Without a base URL the OpenAI API is used only when an API key is
set; with neither the adapter fails at once, naming what to set. Requests are spread round-robin over one or more replica
base URLs; 429, 5xx, timeouts and connection errors are retried with exponential backoff
(honouring ``Retry-After``), each retry on the next replica. The adapter is thread-safe:
the runner calls it from ``--concurrency`` threads at once.

With ``share_video_prefix=True`` the runner sends a video's questions back to back (its first,
then the rest), so a server's prefix cache and multimodal cache hit (vLLM: automatic prefix
caching, on by default in V1, and the multimodal processor cache); each answer records the
prompt tokens the server computed and those it took from its cache, when the response carries
``usage.prompt_tokens_details.cached_tokens``.

Example:
    >>> from favor_hf.video import sample_frames
    >>> frames = sample_frames("clip.mp4", num_frames=8)
    >>> adapter = OpenAIAdapter("Qwen/Qwen2.5-VL-7B-Instruct", base_url=["http://gpu1:8000/v1", "http://gpu2:8000/v1"])
    >>> # not run in CI: needs the two chat-completions servers named above
    >>> adapter.generate([ModelInput(prompt="Describe the video.", frames=frames)])  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io
import os
import random
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np

from favor_hf.models.base import ModelAdapter, ModelInput, check_video_input

DEFAULT_BASE_URL = "https://api.openai.com/v1"
RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
"""HTTP statuses worth retrying: timeouts, rate limits and server-side failures."""


class OpenAIError(RuntimeError):
    """A request failed for good (non-retryable status, or still failing after every retry)."""


def _frame_base64(frame: np.ndarray, image_format: str = "jpeg", quality: int = 85) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    if image_format == "jpeg":
        Image.fromarray(frame).save(buffer, format="JPEG", quality=quality)
    elif image_format == "png":
        Image.fromarray(frame).save(buffer, format="PNG")
    else:
        raise ValueError(f"image_format {image_format!r}: expected 'jpeg' or 'png'")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def encode_frame(frame: np.ndarray, image_format: str = "jpeg", quality: int = 85) -> str:
    """An RGB ``(h, w, 3)`` uint8 frame as a ``data:image/...;base64,`` URL."""
    return f"data:image/{image_format};base64," + _frame_base64(frame, image_format, quality)


def encode_video(frames: np.ndarray, quality: int = 85) -> str:
    """RGB frames as one ``data:video/jpeg;base64,`` URL of comma-separated JPEG frames (vLLM's form)."""
    return "data:video/jpeg;base64," + ",".join(_frame_base64(frame, "jpeg", quality) for frame in frames)


def _base_urls(base_url: str | Sequence[str] | None, api_key: str | None) -> list[str]:
    if base_url is None:
        base_url = os.environ.get("OPENAI_BASE_URL")
        if not base_url and not api_key:
            raise ValueError(
                "no server and no API key: pass --base-url (or set $OPENAI_BASE_URL) for a local or self-hosted "
                "server, or --api-key (or set $OPENAI_API_KEY) to use the OpenAI API"
            )
        base_url = base_url or DEFAULT_BASE_URL
    urls = [base_url] if isinstance(base_url, str) else list(base_url)
    urls = [part.strip().rstrip("/") for url in urls for part in url.split(",") if part.strip()]
    if not urls:
        raise ValueError("no base URL given: pass base_url= (--base-url) or set OPENAI_BASE_URL")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"base URL {url!r} must start with http:// or https:// (e.g. http://localhost:8000/v1)")
    return urls


def _usage(data: Any) -> dict[str, int]:
    """``prefill_tokens`` and ``cached_tokens`` of a response whose usage reports cached prompt tokens, else ``{}``."""
    usage = data.get("usage") if isinstance(data, dict) else None
    details = (usage or {}).get("prompt_tokens_details") or {}
    cached, prompt = details.get("cached_tokens"), (usage or {}).get("prompt_tokens")
    if not isinstance(cached, int) or not isinstance(prompt, int):
        return {}
    return {"prefill_tokens": prompt - cached, "cached_tokens": cached}


def _message_text(data: Any, url: str) -> str:
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise OpenAIError(f"{url}: response has no choices[0].message.content: {str(data)[:300]}") from None
    if content is None:
        return ""
    if isinstance(content, list):  # some servers return content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


class OpenAIAdapter(ModelAdapter):
    """Chat-completions client for one model served at one or more base URLs.

    Args:
        model: the model name the server expects (``gpt-4o``, ``Qwen/Qwen2.5-VL-7B-Instruct``).
        base_url: a URL ending in ``/v1``, a list of replica URLs (or one comma-separated
            string); default ``$OPENAI_BASE_URL``, else the OpenAI API when an API key is set.
        api_key: sent as a Bearer token; default ``$OPENAI_API_KEY``; local servers need none.
        max_new_tokens: ``max_tokens`` of each request.
        temperature: 0 for reproducible answers.
        timeout: seconds per request.
        max_retries: retries after the first attempt on 429/5xx/timeouts/connection errors.
        backoff: seconds before the first retry, doubled each time (with jitter, at most 60 s).
        image_format: ``"jpeg"`` (smaller) or ``"png"`` (lossless).
        image_detail: OpenAI's ``detail`` of each image (``"low"``, ``"high"``, ``"auto"``), if set.
        video_input: ``"images"`` (one part per frame; also ``"auto"``) or ``"video"`` (one vLLM
            video part, JPEG frames).
        share_video_prefix: have the runner send a video's questions back to back, its first one
            before the rest, so the server's prefix cache hits.
    """

    max_batch_size = 1
    needs_frames = True

    def __init__(
        self,
        model: str,
        base_url: str | Sequence[str] | None = None,
        api_key: str | None = None,
        max_new_tokens: int = 512,
        temperature: float = 0.0,
        timeout: float = 120.0,
        max_retries: int = 5,
        backoff: float = 1.0,
        image_format: str = "jpeg",
        image_detail: str | None = None,
        video_input: str = "images",
        share_video_prefix: bool = False,
    ):
        if not model:
            raise ValueError("openai adapter needs a model name, e.g. openai:gpt-4o")
        if image_format not in ("jpeg", "png"):
            raise ValueError(f"image_format {image_format!r}: expected 'jpeg' or 'png'")
        check_video_input(video_input)
        self.name = f"openai:{model}"
        self.model = model
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.base_urls = _base_urls(base_url, key)
        self.video_input = "video" if video_input == "video" else "images"  # auto: a server's model is not known here
        self.share_video_prefix = share_video_prefix
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.max_retries = max_retries
        self.backoff = backoff
        self.image_format = image_format
        self.image_detail = image_detail
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(
            timeout=timeout, headers=headers, limits=httpx.Limits(max_connections=256, max_keepalive_connections=64)
        )
        self._turn = 0
        self._lock = threading.Lock()

    def _next_url(self) -> str:
        with self._lock:
            url = self.base_urls[self._turn % len(self.base_urls)]
            self._turn += 1
        return url

    def messages(self, request: ModelInput) -> list[dict[str, Any]]:
        """The chat messages for one input: the frames (image parts or one video part), then the prompt."""
        content: list[dict[str, Any]] = []
        if request.frames is not None and self.video_input == "video":
            content.append({"type": "video_url", "video_url": {"url": encode_video(request.frames)}})
        elif request.frames is not None:
            for frame in request.frames:
                image: dict[str, Any] = {"url": encode_frame(frame, self.image_format)}
                if self.image_detail:
                    image["detail"] = self.image_detail
                content.append({"type": "image_url", "image_url": image})
        content.append({"type": "text", "text": request.prompt})
        return [{"role": "user", "content": content}]

    def complete(self, request: ModelInput) -> str:
        """Send one request, retrying transient failures; return the reply text (its token usage goes to ``request.usage``).

        Raises:
            OpenAIError: a non-retryable status (e.g. 400, 401, 404), or failures on every attempt.
        """
        payload = {
            "model": self.model,
            "messages": self.messages(request),
            "max_tokens": self.max_new_tokens,
            "temperature": self.temperature,
        }
        last_error = ""
        for attempt in range(self.max_retries + 1):
            url = self._next_url() + "/chat/completions"
            wait = self.backoff * 2**attempt * (0.5 + random.random() / 2)
            try:
                response = self._client.post(url, json=payload)
            except httpx.TransportError as err:  # connection refused/reset, timeouts
                last_error = f"{url}: {type(err).__name__}: {err}"
            else:
                if response.status_code == 200:
                    try:
                        data = response.json()
                    except ValueError as err:
                        raise OpenAIError(f"{url}: response is not JSON: {response.text[:300]}") from err
                    request.usage.update(_usage(data))
                    return _message_text(data, url)
                last_error = f"{url}: HTTP {response.status_code}: {response.text[:300]}"
                if response.status_code not in RETRY_STATUS:
                    raise OpenAIError(last_error + " (not retried: check the model name, API key and request)")
                retry_after = response.headers.get("retry-after", "")
                if retry_after.replace(".", "", 1).isdigit():
                    wait = max(wait, float(retry_after))
            if attempt < self.max_retries:
                time.sleep(min(wait, 60.0))
        raise OpenAIError(f"gave up after {self.max_retries + 1} attempts; last error: {last_error}")

    def generate(self, inputs: list[ModelInput]) -> list[str]:
        """Answer each input in turn (the runner sends one at a time from many threads)."""
        return [self.complete(request) for request in inputs]

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()
