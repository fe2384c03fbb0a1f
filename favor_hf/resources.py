"""Pinned, checksummed resources: the official FAVOR word lists and NLTK data.

The LLM-free caption metric needs the word lists published with the official scorer
(``action_extraction_dicts.pkl``) and four NLTK resources. Both resolve offline first:

- word lists: ``dictionary_path=`` argument, else ``$FAVOR_DICTIONARY_PATH`` (a ``.pkl`` or
  ``.json`` copy), else the user cache, else a download from the official repository at a
  pinned commit, verified against its sha256. Pickles are read without executing code:
  only plain containers, strings and numbers are accepted.
- NLTK data: looked up on ``$NLTK_DATA``/NLTK's usual paths; a missing resource is
  downloaded once with ``nltk.download`` and otherwise reported by name.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any

DICTIONARY_COMMIT = "31c946094af6c6c00f602600eb8fd7873e790ee0"
DICTIONARY_URL = (
    "https://raw.githubusercontent.com/FAVOR-Bench/FAVOR-Bench/"
    f"{DICTIONARY_COMMIT}/LLM-free/FAVOR_Dictionary/action_extraction_dicts.pkl"
)
DICTIONARY_SHA256 = "67fe64ddf220d806d08d0f9da841f8f249b8bcfbc196e40dd22e4e6da9b5bc6f"
DICTIONARY_ENV = "FAVOR_DICTIONARY_PATH"

WORD_LIST_KEYS: dict[str, type] = {
    "ANIMATE_NOUNS": list,
    "SUBJECT_SYNONYMS": dict,
    "PLURAL_FORMS": dict,
    "COMMON_VERBS": list,
    "PHRASAL_VERBS": list,
    "IRREGULAR_VERB_FORMS": dict,
    "CAMERA_TERMS": list,
    "DESCRIPTIVE_ADJECTIVES": list,
    "COLOR_TERMS": list,
    "CLOTHING_TERMS": list,
    "SETTING_TERMS": list,
    "POSITION_TERMS": list,
    "EMOTION_TERMS": list,
}
"""The word lists of the official scorer and the container type of each."""

NLTK_RESOURCES: dict[str, str] = {
    "punkt_tab": "tokenizers/punkt_tab/english",
    "averaged_perceptron_tagger_eng": "taggers/averaged_perceptron_tagger_eng",
    "wordnet": "corpora/wordnet",
    "stopwords": "corpora/stopwords",
}
"""NLTK resources the caption metric needs: download name -> ``nltk.data.find`` path."""


def absolute_nltk_data() -> None:
    """Make each relative folder of ``$NLTK_DATA`` absolute, against the working directory now.

    Called once when favor_hf is imported, so that a relative ``NLTK_DATA=../shared/nltk_data``
    still points at the same folder in processes started elsewhere (lmms-eval's temporary
    working folders, test subprocesses) and after a change of working directory.
    """
    value = os.environ.get("NLTK_DATA")
    if value:
        folders = [str(Path(folder).absolute()) if folder else folder for folder in value.split(os.pathsep)]
        os.environ["NLTK_DATA"] = os.pathsep.join(folders)


class ResourceError(RuntimeError):
    """A required resource is missing, corrupt or unsafe; the message says how to fix it."""


def cache_dir() -> Path:
    """Directory for downloaded resources (``$FAVOR_HF_CACHE`` or ``~/.cache/favor_hf``)."""
    root = os.environ.get("FAVOR_HF_CACHE") or Path.home() / ".cache" / "favor_hf"
    return Path(root)


class _PlainUnpickler(pickle.Unpickler):
    """Unpickler that refuses every global: only built-in containers and scalars load."""

    def find_class(self, module: str, name: str) -> Any:
        raise ResourceError(
            f"refusing to load {module}.{name} from a word-list pickle: only plain dicts, lists and strings are allowed"
        )


def safe_unpickle(data: bytes) -> Any:
    """Unpickle ``data`` without executing code (no classes, functions or reducers)."""
    return _PlainUnpickler(io.BytesIO(data)).load()


def _validate_word_lists(data: Any, source: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ResourceError(f"{source}: expected a dict of word lists, got {type(data).__name__}")
    for key, kind in WORD_LIST_KEYS.items():
        if key not in data:
            raise ResourceError(f"{source}: word list {key!r} is missing")
        if not isinstance(data[key], kind):
            raise ResourceError(
                f"{source}: word list {key!r} should be a {kind.__name__}, got {type(data[key]).__name__}"
            )
    return data


def _read_word_lists(path: Path) -> dict[str, Any]:
    raw = path.read_bytes()
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ResourceError(f"{path}: not valid JSON: {err}") from err
    else:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != DICTIONARY_SHA256:
            raise ResourceError(
                f"{path}: sha256 {digest} does not match the official word lists ({DICTIONARY_SHA256}); "
                "use the file published at commit " + DICTIONARY_COMMIT
            )
        try:
            data = safe_unpickle(raw)
        except (pickle.UnpicklingError, EOFError, ValueError) as err:
            raise ResourceError(f"{path}: not a readable pickle: {err}") from err
    return _validate_word_lists(data, str(path))


def _download_word_lists(target: Path) -> None:
    try:
        import urllib.request  # only when downloading: importing favor_hf stays light

        with urllib.request.urlopen(DICTIONARY_URL, timeout=30) as response:
            raw = response.read()
    except OSError as err:
        raise ResourceError(
            f"could not download the FAVOR word lists from {DICTIONARY_URL} ({err}). Offline, point "
            f"${DICTIONARY_ENV} (or dictionary_path=) at a local copy of action_extraction_dicts.pkl (or .json)"
        ) from err
    digest = hashlib.sha256(raw).hexdigest()
    if digest != DICTIONARY_SHA256:
        raise ResourceError(f"downloaded word lists have sha256 {digest}, expected {DICTIONARY_SHA256}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(raw)
    tmp.replace(target)


def resolve_dictionary_path(dictionary_path: str | os.PathLike[str] | None = None) -> Path:
    """Return a local path to the word lists, downloading and caching them if needed."""
    if dictionary_path:
        return Path(dictionary_path)
    if os.environ.get(DICTIONARY_ENV):
        return Path(os.environ[DICTIONARY_ENV])
    cached = cache_dir() / DICTIONARY_COMMIT / "action_extraction_dicts.pkl"
    if not cached.is_file():
        _download_word_lists(cached)
    return cached


@lru_cache(maxsize=4)
def _load_word_lists_cached(path: str, mtime: float) -> dict[str, Any]:
    return _read_word_lists(Path(path))


def load_word_lists(dictionary_path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Load the official FAVOR word lists (see module docstring for where they come from).

    Example:
        >>> words = load_word_lists("../shared/favor/official/action_extraction_dicts.json")
        >>> len(words["COMMON_VERBS"])
        1135
    """
    path = resolve_dictionary_path(dictionary_path).resolve()
    if not path.is_file():
        raise ResourceError(f"FAVOR word lists not found at {path}")
    return _load_word_lists_cached(str(path), path.stat().st_mtime)


def ensure_nltk_resources(names: tuple[str, ...] = tuple(NLTK_RESOURCES)) -> None:
    """Make sure the NLTK resources exist, downloading each missing one once.

    Raises:
        ResourceError: naming the resource and how to provide it offline.
    """
    import nltk

    for name in names:
        path = NLTK_RESOURCES[name]
        try:
            nltk.data.find(path)
            continue
        except LookupError:
            pass
        try:
            nltk.download(name, quiet=True, raise_on_error=True)
            nltk.data.find(path)
        except (OSError, ValueError, LookupError) as err:  # raise_on_error: any failed download is a ValueError
            raise ResourceError(
                f"NLTK resource {name!r} ({path}) is not installed and could not be downloaded ({err}). "
                "Set NLTK_DATA to a directory that holds it, e.g. NLTK_DATA=../shared/nltk_data."
            ) from err
