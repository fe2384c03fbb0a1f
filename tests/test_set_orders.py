"""The official step 1's set orders: derived per hash seed, checked, cached."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from conftest import DICTIONARY_PKL, REFERENCE
from favor_hf.caption.extract import set_orders
from favor_hf.caption.extract.set_orders import SetOrders, derive_set_orders, official_set_orders
from favor_hf.resources import ResourceError, load_word_lists

WORDS = load_word_lists(DICTIONARY_PKL)


@pytest.mark.parametrize("seed", range(10))
def test_derived_orders_equal_the_official_runs(seed):
    official = json.loads((REFERENCE / "set_orders" / f"seed{seed}.json").read_text())
    orders = derive_set_orders(WORDS, seed)
    assert [rf"\b{re.escape(form)}\b" for form in orders.verb_forms] == official["verb_patterns"]
    assert list(orders.subject_nouns) == official["subject_nouns"]
    assert orders.sha256 == set_orders.KNOWN_ORDER_SHA256[seed]


def test_cache_is_used_and_a_damaged_file_is_derived_again(tmp_path, monkeypatch):
    monkeypatch.setenv("FAVOR_HF_CACHE", str(tmp_path))
    set_orders._official_set_orders.cache_clear()
    first = official_set_orders(WORDS, 4)
    [cached] = (tmp_path / "set_orders").glob("*-seed4.json")
    assert json.loads(cached.read_text())["sha256"] == first.sha256
    cached.write_text('{"sha256": "0", "verb_forms": ["walks"], "subject_nouns": []}')
    set_orders._official_set_orders.cache_clear()
    assert official_set_orders(WORDS, 4) == first
    assert json.loads(cached.read_text())["sha256"] == first.sha256
    set_orders._official_set_orders.cache_clear()


def test_a_python_with_other_orders_is_refused():
    lists_sha256 = hashlib.sha256(set_orders._word_lists_json(WORDS).encode("utf-8")).hexdigest()
    assert lists_sha256 == set_orders.OFFICIAL_LISTS_SHA256
    orders = derive_set_orders(WORDS, 0)
    reordered = SetOrders(0, orders.verb_forms[::-1], orders.subject_nouns)
    with pytest.raises(ResourceError, match="another order than the official step 1 under PYTHONHASHSEED=0"):
        set_orders._check_known(reordered, set_orders.OFFICIAL_LISTS_SHA256)
    set_orders._check_known(orders, set_orders.OFFICIAL_LISTS_SHA256)


@pytest.mark.parametrize("seed", [-1, 2**32, "0", True])
def test_bad_seeds_are_rejected(seed):
    with pytest.raises(ValueError, match="official hash seed must be an integer"):
        derive_set_orders(WORDS, seed)
