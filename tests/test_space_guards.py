"""The Space under abuse: deep nesting, oversized input, visitors' text kept off the disk, bounded caches,
parse warnings shown, and a leaderboard text that names only folders that exist."""

from __future__ import annotations

import json
import os

import pytest

from conftest import GT_ANNOTATIONS, minilm_path
from favor_hf.app import clip_run, guards, html_views, leaderboard
from favor_hf.app.settings import SpaceSettings


def test_a_deeply_nested_record_is_a_clear_message():
    upload = clip_run.record_from_upload("/uploads/clip.mp4", "clip")
    with pytest.raises(ValueError, match="nested too deeply"):
        clip_run.attach_record(upload, "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="not JSON"):
        clip_run.attach_record(upload, "{oops")


def test_sizes_are_limited_with_a_configurable_message(monkeypatch, tmp_path):
    guards.check_size("x" * 10, 10, "caption", "FAVOR_SPACE_MAX_CAPTION_CHARS")
    with pytest.raises(guards.InputTooLarge, match=r"the caption has 11 characters; this Space takes at most 10"):
        guards.check_size("x" * 11, 10, "caption", "FAVOR_SPACE_MAX_CAPTION_CHARS")
    monkeypatch.setenv("FAVOR_SPACE_MAX_CAPTION_CHARS", "123")
    monkeypatch.setenv("FAVOR_SPACE_MAX_RECORD_CHARS", "456")
    settings = SpaceSettings.from_env(tmp_path)
    assert settings.max_caption_chars == 123 and settings.max_record_chars == 456


def test_a_public_space_keeps_visitors_captions_off_the_disk(monkeypatch, tmp_path):
    monkeypatch.setenv("SPACE_ID", "org/favor")
    monkeypatch.delenv("FAVOR_SPACE_PUBLIC", raising=False)
    monkeypatch.delenv("FAVOR_SPACE_PERSIST_EMBEDDINGS", raising=False)
    assert not SpaceSettings.from_env(tmp_path).persist_embeddings
    monkeypatch.setenv("FAVOR_SPACE_PERSIST_EMBEDDINGS", "1")
    assert SpaceSettings.from_env(tmp_path).persist_embeddings  # the owner may turn it back on

    cache = tmp_path / "embeddings"
    monkeypatch.setenv("FAVOR_EMBEDDING_CACHE", str(cache))
    reference = json.loads(GT_ANNOTATIONS.read_text())["4_04_000415"]
    clip = {**reference, "video_name": "4_04_000415"}
    clip_run.score_caption("A visitor's secret caption about a cat.", clip, minilm_path())
    assert any(cache.rglob("*"))  # the private default: the persistent cache is used
    for path in sorted(cache.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    guards.keep_visitor_text_in_memory()
    assert os.environ["FAVOR_EMBEDDING_CACHE"] == "off"
    clip_run.score_caption("Another visitor's caption about a dog.", clip, minilm_path())
    assert not cache.exists() or not any(cache.rglob("*"))
    from favor_hf.caption.extract.verbs import VerbAnalyzer

    assert VerbAnalyzer.shared.cache_info().currsize == 1  # step 1's verb memos hold the visitor's words
    guards.forget_visitor_text()
    assert VerbAnalyzer.shared.cache_info().currsize == 0


def test_parse_warnings_are_shown_next_to_the_score():
    clip = {
        "camera_motion": "static",
        "subject_attributes": "a man in a coat",
        "motion_list": "walks, then sits down",
        "chronological_motion_list": "walks (Subject 1)",
    }
    warnings = guards.annotation_warnings(clip)
    assert any("subject_attributes: no 'Subject N:' header" in w for w in warnings)
    assert any("motion_list: no 'Subject N:' header" in w for w in warnings)
    view = html_views.parse_warnings_html(warnings)
    assert 'id="parse-warnings"' in view and "motion_list: no &#x27;Subject N:&#x27; header" in view
    assert html_views.parse_warnings_html([]) == ""


def test_the_leaderboard_cache_keeps_one_version_per_file_and_a_bounded_size(tmp_path, monkeypatch):
    from favor_hf.data.favor_json import load_video_records
    from favor_hf.models import load_adapter
    from favor_hf.runner import run_benchmark
    from favor_hf.synth import make_synthetic_benchmark

    make_synthetic_benchmark(tmp_path / "data", n=2, seed=3)
    records = load_video_records(tmp_path / "data")
    out = tmp_path / "r.jsonl"
    run_benchmark(load_adapter("random:0"), records, "mcq", out, progress=False, limit=3)
    leaderboard.score_file(out)
    run_benchmark(load_adapter("random:0"), records, "mcq", out, progress=False)  # the file grows
    leaderboard.score_file(out)
    assert [key for key in leaderboard._CACHE if key[0] == str(out)] == [
        (str(out), out.stat().st_mtime_ns, out.stat().st_size, "official", None)
    ]
    monkeypatch.setattr(leaderboard, "MAX_CACHED_RUNS", 1)
    leaderboard.score_file(out, judge="strict")
    assert len(leaderboard._CACHE) == 1


def test_adapter_loading_locks_do_not_pile_up():
    for name in ("nobody/a", "nobody/b"):
        with pytest.raises(clip_run.ModelUnavailable):
            clip_run.get_adapter(clip_run.ModelChoice("transformers", name), public=False)
    assert clip_run._LOADING == {}


def test_the_leaderboard_text_names_only_a_folder_that_exists(tmp_path):
    missing = leaderboard.board_header(2, tmp_path / "results")
    assert "has no results folder yet" in missing and "$FAVOR_SPACE_RESULTS" in missing
    (tmp_path / "results").mkdir()
    assert "in the Space's results folder (`results/`)" in leaderboard.board_header(2, tmp_path / "results")
