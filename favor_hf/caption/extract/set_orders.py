"""The two set orders that make the official step 1 depend on ``PYTHONHASHSEED``.

The official notebook builds two Python sets from the word lists and iterates them:

- the verb forms (base, -s, -ed, -ing, irregular and phrasal), compiled to ``\\bFORM\\b``
  patterns in set order; the first pattern that matches a text decides where a subject's
  attributes end;
- the subject nouns (animate nouns, synonyms and plurals), sorted by length, so nouns of
  one length stay in set order; they are tried in that order.

A set's order follows the string hash, which ``PYTHONHASHSEED`` seeds, and the order of
insertion. :func:`official_set_orders` obtains the orders of a seed by building the same
sets, inserting the same strings in the same order, in a Python subprocess started with
that seed (nothing is shipped), and caches them on disk. With them, step 1 reproduces
the official run under that seed exactly; the default seed is 0 (``PYTHONHASHSEED=0``
also switches hash randomisation off, so it is the one reproducible official run).

String hashing changed in CPython 3.11 (SipHash-1-3), so a Python's orders must equal those
of the official runs: the orders of seeds 0-9 are checked against their sha256, measured
against the official step 1 run under CPython 3.11; a Python that derives other orders is
refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from favor_hf.resources import ResourceError, cache_dir

DEFAULT_HASH_SEED = 0
"""``PYTHONHASHSEED`` of the official run that favor-hf reproduces by default."""

KNOWN_ORDER_SHA256: dict[int, str] = {
    0: "06e6c7de968a334920347ec4bf0b2bfc76d8348dc73dca43739be75c67d0233c",
    1: "64397d80afd358e0b4eb1357acd6d3c5008336cd13cfb778ab94d237a3a86f9f",
    2: "222ad57f6faf6b4ec2c604412a13bbe9588f0036345b9583706fe4ee8e2ea707",
    3: "f465e528ef0523e5f9c3b016817ad63f09b2a8ea51933b1769a740a254b6c087",
    4: "3830497ed2fd1ec8ed97c8885d836bf172c7cfb9de259f6ef34a363e7e82883f",
    5: "02ee4357d8e6af9c0f95eebf1a68b143d62edad81e20a98487f4fc3cf01b37ee",
    6: "0b4116cb8deccab73492c64730934fe1acb228b7ac29e07c307518d7bd2fed3d",
    7: "c158ddd47ceca15ecc2ab0dfe637bb902e47bbda781d6e1701cb26fbb40faf43",
    8: "a17e8b1d84e58ba8c636d4a57e5ad950141ca9f0832cdc0881520ed1932605c2",
    9: "5180839682a628caa9ab2b4943e5baf0326a136061f7d6102bc2e9447a7d5daa",
}
"""sha256 of :meth:`SetOrders.digest_text` per seed for the official word lists, as
CPython 3.11-3.13 derive them; equal to the orders of the official runs under seeds 0-9."""

OFFICIAL_LISTS_SHA256 = "c85f25b047c738f87fb74941409cd89f17f97d727182386dd56e432bdf5d0c54"
"""sha256 of the parts of the official word lists that the two sets are built from."""

_WORD_LIST_KEYS = (
    "COMMON_VERBS",
    "IRREGULAR_VERB_FORMS",
    "PHRASAL_VERBS",
    "ANIMATE_NOUNS",
    "SUBJECT_SYNONYMS",
    "PLURAL_FORMS",
)

# Run as ``python -c`` under the chosen PYTHONHASHSEED: reads the word lists as JSON on stdin,
# builds both sets as the official notebook does and prints their iteration orders.
_DERIVE = r"""
import json, sys
w = json.load(sys.stdin)
forms = set()
for verb in w["COMMON_VERBS"]:
    forms.add(verb)
    if verb.endswith(("s", "x", "z", "ch", "sh")):
        forms.add(verb + "es")
    elif verb.endswith("y") and verb[-2] not in "aeiou":
        forms.add(verb[:-1] + "ies")
    else:
        forms.add(verb + "s")
    doubles = len(verb) > 2 and verb[-1] not in "aeiou" and verb[-2] in "aeiou" and verb[-3] not in "aeiou"
    if verb.endswith("e"):
        forms.add(verb + "d")
    elif verb.endswith("y") and verb[-2] not in "aeiou":
        forms.add(verb[:-1] + "ied")
    elif doubles:
        forms.add(verb + verb[-1] + "ed")
    else:
        forms.add(verb + "ed")
    if verb.endswith("e") and not verb.endswith("ee"):
        forms.add(verb[:-1] + "ing")
    elif doubles:
        forms.add(verb + verb[-1] + "ing")
    else:
        forms.add(verb + "ing")
for irregular in w["IRREGULAR_VERB_FORMS"].values():
    for form in irregular:
        forms.add(form)
for phrasal in w["PHRASAL_VERBS"]:
    forms.add(phrasal)

def add_with_plural(nouns, noun):
    if noun in w["PLURAL_FORMS"]:
        nouns.add(w["PLURAL_FORMS"][noun])
    elif not noun.endswith("s"):
        nouns.add(noun + ("es" if noun.endswith(("x", "z", "ch", "sh")) else "s"))

nouns = set(w["ANIMATE_NOUNS"])
for noun in list(nouns):
    add_with_plural(nouns, noun)
for synonyms in w["SUBJECT_SYNONYMS"].values():
    for synonym in synonyms:
        nouns.add(synonym)
        add_with_plural(nouns, synonym)
json.dump({"verb_forms": list(forms), "subject_nouns": sorted(nouns, key=len, reverse=True)}, sys.stdout)
"""


@dataclass(frozen=True)
class SetOrders:
    """Iteration orders of the official step 1's two sets under one hash seed."""

    seed: int
    verb_forms: tuple[str, ...]
    """Verb forms in the order their patterns are tried (first match wins)."""
    subject_nouns: tuple[str, ...]
    """Subject nouns in the order they are tried (longest first, then set order)."""

    def digest_text(self) -> str:
        """The orders as one canonical text (what :data:`KNOWN_ORDER_SHA256` hashes)."""
        return json.dumps({"verb_forms": self.verb_forms, "subject_nouns": self.subject_nouns}, ensure_ascii=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.digest_text().encode("utf-8")).hexdigest()


def _word_lists_json(word_lists: dict[str, Any]) -> str:
    """The parts of the word lists the two sets are built from, as the subprocess reads them."""
    return json.dumps({key: word_lists[key] for key in _WORD_LIST_KEYS}, ensure_ascii=False)


def derive_set_orders(word_lists: dict[str, Any], seed: int) -> SetOrders:
    """Derive the orders of ``seed`` in a subprocess of this Python (no cache)."""
    return _derive(_word_lists_json(word_lists), seed)


def _derive(lists_json: str, seed: int) -> SetOrders:
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 4294967295:
        raise ValueError(f"official hash seed must be an integer 0..4294967295 (PYTHONHASHSEED), got {seed!r}")
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    done = subprocess.run(
        [sys.executable, "-c", _DERIVE],
        input=lists_json,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if done.returncode != 0:
        raise ResourceError(
            f"deriving the official set orders for hash seed {seed} failed: {done.stderr.strip()[-500:]}"
        )
    orders = json.loads(done.stdout)
    return SetOrders(seed, tuple(orders["verb_forms"]), tuple(orders["subject_nouns"]))


def _read_cached(path: Path, seed: int) -> SetOrders | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        orders = SetOrders(seed, tuple(data["verb_forms"]), tuple(data["subject_nouns"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return orders if data.get("sha256") == orders.sha256 else None


def official_set_orders(word_lists: dict[str, Any], seed: int = DEFAULT_HASH_SEED) -> SetOrders:
    """The set orders of the official step 1 run under ``PYTHONHASHSEED=seed``.

    Cached per word lists, Python version and seed (a damaged cache file is derived again).

    Raises:
        ResourceError: this Python orders the official word lists differently from the
            official runs for a seed whose orders are known.
    """
    return _official_set_orders(_word_lists_json(word_lists), seed)


@lru_cache(maxsize=16)
def _official_set_orders(lists_json: str, seed: int) -> SetOrders:
    lists_sha256 = hashlib.sha256(lists_json.encode("utf-8")).hexdigest()
    version = f"py{sys.version_info.major}{sys.version_info.minor}"
    path = cache_dir() / "set_orders" / f"{lists_sha256[:16]}-{version}-seed{seed}.json"
    orders = _read_cached(path, seed)
    if orders is None:
        orders = _derive(lists_json, seed)
        _check_known(orders, lists_sha256)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            cached = {"sha256": orders.sha256, "verb_forms": orders.verb_forms, "subject_nouns": orders.subject_nouns}
            tmp.write_text(json.dumps(cached, ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only cache costs one subprocess per process, nothing else
    return orders


def _check_known(orders: SetOrders, lists_sha256: str) -> None:
    """Refuse orders that differ from the official ones of their seed, for the official word lists."""
    expected = KNOWN_ORDER_SHA256.get(orders.seed)
    if expected and lists_sha256 == OFFICIAL_LISTS_SHA256 and orders.sha256 != expected:
        raise ResourceError(
            f"Python {sys.version.split()[0]} iterates the official word-list sets in another order than the "
            f"official step 1 under PYTHONHASHSEED={orders.seed} (CPython 3.11); extractions would differ from "
            "the official ones. Use CPython 3.11 or later."
        )
