"""Make the bare names ``evaluate.load("favor_mcq")`` / ``evaluate.load("favor_caption")`` work.

``evaluate.load(NAME)`` looks for a local script ``NAME/NAME.py``, then the Hub Space
``evaluate-metric/NAME``, and when neither answers (offline, or not on the Hub) the newest
entry of its module cache::

    $HF_MODULES_CACHE/evaluate_modules/metrics/evaluate-metric--NAME/<64-hex hash>/NAME.py

:func:`install_metrics` registers the modules shipped with favor-hf there (the directory
``favor_hf/_metrics``, a link to the repository's ``metrics/`` that wheels carry as files).
The hash directory is a digest of the script and the favor-hf version, so re-registering
after an upgrade writes a new entry and removes the older ones. :func:`push_metrics`
publishes the modules as Hub Spaces ``ORG/NAME`` for ``evaluate.load("ORG/NAME")``.

Example:
    >>> install_metrics()
    {'favor_caption': PosixPath('.../evaluate-metric--favor_caption/.../favor_caption.py'), 'favor_mcq': ...}
    >>> mcq = load_metric("favor_mcq")
    >>> mcq.compute(predictions=["(B)"], references=[{"correct_answer": "Sits", "options": ["Walks", "Sits"],
    ...                                               "task_type": "AS"}], judge="strict")["ALL"]
    100.0
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from favor_hf._version import __version__
from favor_hf.network import hub_offline_reason

_PACKAGE_DIR = Path(__file__).resolve().parent
FAVOR_HF = "favor-hf"
_HASH_LENGTH = 64  # evaluate only considers cache entries whose directory name has 64 characters


class MetricRegistrationError(RuntimeError):
    """A metric module could not be found, registered or pushed; the message says what to do."""


def metrics_dir() -> Path:
    """Directory holding one folder per evaluate module (``favor_mcq/favor_mcq.py``, ...).

    ``favor_hf/_metrics`` in an installed wheel (and, through its link, in an editable
    install); a source checkout's ``metrics/`` as a fallback where links are not supported.
    """
    for candidate in (_PACKAGE_DIR / "_metrics", _PACKAGE_DIR.parent / "metrics"):
        if candidate.is_dir():
            return candidate
    raise MetricRegistrationError(
        f"no evaluate modules found at {_PACKAGE_DIR / '_metrics'}: reinstall favor-hf "
        "(pip install --force-reinstall favor-hf) or run from a source checkout with its metrics/ directory"
    )


def available_metrics() -> list[str]:
    """Names of the evaluate modules favor-hf ships (folders ``NAME`` holding ``NAME.py``)."""
    root = metrics_dir()
    return sorted(p.name for p in root.iterdir() if (p / f"{p.name}.py").is_file())


def module_dir(name: str) -> Path:
    """Folder of the evaluate module ``name`` (its script, card, ``app.py``, ``requirements.txt``)."""
    folder = metrics_dir() / name
    if not (folder / f"{name}.py").is_file():
        raise MetricRegistrationError(
            f"favor-hf has no evaluate module {name!r} (looked for {folder / (name + '.py')}); "
            f"available: {', '.join(available_metrics()) or 'none'}"
        )
    return folder


def _module_files(name: str) -> list[Path]:
    """The module's Python files (its script first), as evaluate would copy a script and its local imports."""
    folder = module_dir(name)
    script = folder / f"{name}.py"
    return [script, *sorted(p for p in folder.glob("*.py") if p not in (script, folder / "app.py"))]


def _digest(files: Iterable[Path]) -> str:
    """64 hex characters over the favor-hf version and the files' names and contents."""
    digest = hashlib.sha256(f"favor-hf {__version__}".encode())
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def hf_modules_cache() -> Path:
    """evaluate's ``HF_MODULES_CACHE``, resolved from the environment as ``evaluate.config`` does.

    ``HF_MODULES_CACHE``, else ``$HF_HOME/modules``, else ``$XDG_CACHE_HOME/huggingface/modules``;
    computed without importing evaluate, which takes seconds (it imports transformers and torch).
    """
    cache_home = os.path.expanduser(
        os.getenv("HF_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "huggingface"))
    )
    return Path(os.getenv("HF_MODULES_CACHE", os.path.join(cache_home, "modules")))


def evaluate_modules_cache(modules_cache: str | os.PathLike[str] | None = None) -> Path:
    """``<modules cache>/evaluate_modules/metrics``, where evaluate keeps and finds cached metric modules."""
    return Path(modules_cache if modules_cache is not None else hf_modules_cache()) / "evaluate_modules" / "metrics"


def _touch_init(folder: Path) -> None:
    (folder / "__init__.py").touch(exist_ok=True)


def install_metric(name: str, force: bool = False, cache: str | os.PathLike[str] | None = None) -> Path:
    """Register module ``name`` as ``evaluate-metric--NAME`` in evaluate's module cache.

    Returns the installed script. ``cache`` overrides the modules cache root (default
    :func:`hf_modules_cache`). An entry with the same digest is kept unless ``force``; every
    other (older) entry for ``name`` is removed.
    """
    files = _module_files(name)
    digest = _digest(files)
    base = evaluate_modules_cache(cache)
    entry = base / f"evaluate-metric--{name}"
    target = entry / digest
    try:
        entry.mkdir(parents=True, exist_ok=True)
        for package in (base.parent.parent, base.parent, base, entry):  # importable like evaluate's own entries
            _touch_init(package)
        if force or not (target / f"{name}.py").is_file():
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=entry))  # never 64 chars: evaluate ignores it
            for path in files:
                shutil.copy2(path, staging / path.name)
            _touch_init(staging)
            meta = {
                "original file path": str(files[0]),
                "local file path": str(target / f"{name}.py"),
                "favor_hf_version": __version__,
            }
            (staging / f"{name}.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
            os.utime(staging / f"{name}.py")  # evaluate picks the entry with the newest script
            if target.exists():
                shutil.rmtree(target)
            try:
                os.replace(staging, target)
            except OSError:  # another process installed the same digest meanwhile
                shutil.rmtree(staging, ignore_errors=True)
        for old in entry.iterdir():
            if old.is_dir() and old.name != digest and len(old.name) == _HASH_LENGTH:
                shutil.rmtree(old, ignore_errors=True)
    except OSError as err:
        raise MetricRegistrationError(
            f"cannot register {name!r} in {entry}: {err}; point HF_MODULES_CACHE (or HF_HOME) at a writable directory"
        ) from err
    return target / f"{name}.py"


def install_metrics(
    names: Iterable[str] | None = None, force: bool = False, cache: str | os.PathLike[str] | None = None
) -> dict[str, Path]:
    """Register favor-hf's evaluate modules (all by default) so their bare names load offline.

    Returns ``{name: installed script}``. Idempotent; ``force`` rewrites up-to-date entries.
    """
    return {name: install_metric(name, force=force, cache=cache) for name in (names or available_metrics())}


def load_metric(name: str, **kwargs: Any):
    """Register ``name`` on first use and return ``evaluate.load(name, **kwargs)``.

    Example:
        >>> mcq = load_metric("favor_mcq")
        >>> mcq.compute(predictions=["(C)"], references=[{"correct_answer": "Sits", "options": ["Walks", "Runs", "Sits"],
        ...                                               "task_type": "AS"}], judge="strict")["ALL"]
        100.0
    """
    import evaluate  # lazy: ``import favor_hf`` and `favor-hf install-metrics` do not need evaluate

    # where this evaluate looks: its cache path is fixed when it is imported, the environment may have moved since
    install_metric(name, cache=evaluate.config.HF_MODULES_CACHE)
    return evaluate.load(name, **kwargs)


def space_requirements(name: str, requirement: str | None = None) -> str:
    """The ``requirements.txt`` the Space of module ``name`` installs.

    The module's own file names ``favor-hf[EXTRA]``, which no package index has, so a Space
    must get favor-hf from where it lives: its favor-hf line becomes ``requirement`` (e.g.
    ``favor-hf @ git+https://github.com/ORG/favor-hf@COMMIT``) with the module's extras added.
    Refused (this is checked offline, before anything is pushed): no ``requirement`` while the
    file names favor-hf without a URL; a ``requirement`` that does not parse, names another
    package, points at a local file, or has neither a URL nor a version.
    """
    from packaging.requirements import InvalidRequirement, Requirement

    lines = []
    for line in (module_dir(name) / "requirements.txt").read_text(encoding="utf-8").splitlines():
        current = Requirement(line) if line.strip() and not line.lstrip().startswith("#") else None
        if current is None or canonical_name(current.name) != FAVOR_HF:
            lines.append(line)
            continue
        if requirement is None:
            if current.url is None:
                raise MetricRegistrationError(
                    f"the Space {name} would install {line.strip()!r}, which no package index has: pass "
                    f"requirement= with a URL pip can install, e.g. '{line.strip()} @ git+https://github.com/ORG/favor-hf@COMMIT'"
                )
            lines.append(line)
            continue
        try:
            wanted = Requirement(requirement)
        except InvalidRequirement as err:
            raise MetricRegistrationError(f"requirement= {requirement!r} is not a pip requirement: {err}") from err
        if canonical_name(wanted.name) != FAVOR_HF:
            raise MetricRegistrationError(f"requirement= {requirement!r} names {wanted.name!r}, not favor-hf")
        if wanted.url is not None and wanted.url.startswith("file:"):
            raise MetricRegistrationError(
                f"requirement= {requirement!r} is a local file, which the Space cannot reach: use a git or https URL"
            )
        if wanted.url is None and not wanted.specifier:
            raise MetricRegistrationError(
                f"requirement= {requirement!r} is a bare name, which no package index has: add a URL "
                "('favor-hf @ git+https://github.com/ORG/favor-hf@COMMIT') or pin a published version"
            )
        wanted.extras |= current.extras
        lines.append(str(wanted))
    return "\n".join(lines) + "\n"


def canonical_name(name: str) -> str:
    """A distribution name compared as pip does (``Favor_HF`` is ``favor-hf``)."""
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def _space_folder(name: str, requirements: str, parent: Path) -> Path:
    """A copy of the module's folder under ``parent`` whose ``requirements.txt`` is ``requirements``."""
    folder = parent / name
    shutil.copytree(module_dir(name), folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (folder / "requirements.txt").write_text(requirements, encoding="utf-8")
    return folder


def push_metrics(
    org: str,
    token: str | None = None,
    names: Iterable[str] | None = None,
    private: bool = False,
    requirement: str | None = None,
) -> list[str]:
    """Publish each module as a Gradio Space ``ORG/NAME`` (script, card, ``app.py``, ``requirements.txt``).

    ``requirement`` is where the Space installs favor-hf from (see :func:`space_requirements`).
    Afterwards ``evaluate.load("ORG/NAME")`` works anywhere favor-hf is installed.
    Returns the Space URLs.
    """
    from huggingface_hub import HfApi  # lazy: only pushing needs the Hub client

    requirements = {name: space_requirements(name, requirement) for name in names or available_metrics()}
    offline = hub_offline_reason()
    if offline is not None:
        spaces = ", ".join(f"{org}/{name}" for name in requirements)
        raise MetricRegistrationError(
            f"cannot push the Spaces {spaces}: {offline}; connect to the network (and unset HF_HUB_OFFLINE)"
        )
    api = HfApi(token=token)
    urls = []
    for name, text in requirements.items():
        repo_id = f"{org}/{name}"
        with tempfile.TemporaryDirectory(prefix="favor-space-") as staging:
            folder = _space_folder(name, text, Path(staging))
            try:
                api.create_repo(repo_id, repo_type="space", space_sdk="gradio", exist_ok=True, private=private)
                api.upload_folder(
                    repo_id=repo_id,
                    repo_type="space",
                    folder_path=str(folder),
                    commit_message=f"Upload {name} (favor-hf {__version__})",
                )
            except Exception as err:  # huggingface_hub raises many HTTP/auth error types
                hint = "check the organisation name and that the token (--token, `hf auth login` or HF_TOKEN) may write to it"
                raise MetricRegistrationError(
                    f"cannot push {module_dir(name)} to the Space {repo_id}: {err}; {hint}"
                ) from err
        urls.append(f"https://huggingface.co/spaces/{repo_id}")
    return urls
