"""Whether the Hugging Face Hub can be used, decided once per process and quickly.

Without a network, ``huggingface_hub`` retries every request with backoff, so a model that
is not in the cache fails only after one to three minutes. favor-hf asks :func:`hub_offline_reason`
first and, when it names a reason, loads from local files only and fails within seconds with
the fix. The Hub counts as unusable when

- ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is set to a true value, or
- a TCP connection to the endpoint's host (``HF_ENDPOINT``, default ``https://huggingface.co``;
  through the ``https`` proxy when one is configured) cannot be opened within
  :data:`PROBE_TIMEOUT_S` seconds. The name lookup runs in a daemon thread, so a resolver that
  hangs costs no more than the timeout either.

The probe's answer is cached for the life of the process; :func:`reset` forgets it.

Example:
    >>> reset()
    >>> hub_offline_reason()  # here HF_HUB_OFFLINE=1; without a network it reads, e.g.,
    'HF_HUB_OFFLINE is set'

Without a network (and ``HF_HUB_OFFLINE`` unset) the reason reads, e.g., ``'the Hugging Face
Hub (https://huggingface.co) cannot be reached: [Errno -2] Name or service not known'``.
"""

from __future__ import annotations

import functools
import os
import socket
import sys
import threading
import urllib.request
from urllib.parse import urlsplit

PROBE_TIMEOUT_S = 2.0
"""Seconds the reachability probe waits for a TCP connection (name lookup included)."""

_TRUE = {"1", "on", "yes", "true"}
_DEFAULT_ENDPOINT = "https://huggingface.co"


def hub_endpoint() -> str:
    """The Hub endpoint in use: ``$HF_ENDPOINT`` or ``https://huggingface.co``."""
    return (os.environ.get("HF_ENDPOINT") or _DEFAULT_ENDPOINT).rstrip("/")


def offline_mode_set() -> bool:
    """``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE`` is set to a true value (read now, not at import),
    or offline mode was switched on in an imported ``huggingface_hub``."""
    if any(os.environ.get(name, "").strip().lower() in _TRUE for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")):
        return True
    hub = sys.modules.get("huggingface_hub.constants")
    return bool(getattr(hub, "HF_HUB_OFFLINE", False))


def _probe_address(endpoint: str) -> tuple[str, int]:
    """The host and port a connection to ``endpoint`` opens first: the proxy's when one applies."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    port = parts.port or (80 if parts.scheme == "http" else 443)
    proxy = urllib.request.getproxies().get(parts.scheme or "https")
    if proxy and not urllib.request.proxy_bypass(host):
        proxy_parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        return proxy_parts.hostname or "", proxy_parts.port or 80
    return host, port


def _connect(host: str, port: int, timeout: float, outcome: list[BaseException | None]) -> None:
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        outcome.append(None)
    except OSError as err:
        outcome.append(err)


@functools.lru_cache(maxsize=4)
def _unreachable(endpoint: str, timeout: float) -> str | None:
    host, port = _probe_address(endpoint)
    if not host:
        return f"HF_ENDPOINT={endpoint!r} names no host"
    outcome: list[BaseException | None] = []
    probe = threading.Thread(target=_connect, args=(host, port, timeout, outcome), daemon=True)
    probe.start()
    probe.join(timeout + 0.5)
    if not outcome:
        return f"no answer from {host}:{port} within {timeout:g} s"
    error = outcome[0]
    return None if error is None else f"{error}"


def hub_offline_reason(timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """Why the Hub cannot be used now (``None`` when it can): offline mode, or no connection.

    The connection probe runs at most once per endpoint and process.
    """
    if offline_mode_set():
        return "HF_HUB_OFFLINE is set"
    endpoint = hub_endpoint()
    problem = _unreachable(endpoint, timeout)
    if problem is None:
        return None
    return f"the Hugging Face Hub ({endpoint}) cannot be reached: {problem}"


def hub_available(timeout: float = PROBE_TIMEOUT_S) -> bool:
    """True when downloads from the Hub may be attempted (see :func:`hub_offline_reason`)."""
    return hub_offline_reason(timeout) is None


def reset() -> None:
    """Forget the cached probe result (e.g. after the network came back)."""
    _unreachable.cache_clear()
