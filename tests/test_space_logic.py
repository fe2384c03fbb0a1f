"""The Space's logic without a browser: upload checks, samples, model runs, alignment, leaderboard."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from chat_server import ChatServer

from favor_hf.app import clip_run, html_views, leaderboard
from favor_hf.app.samples import SampleError, ensure_sample_runs, ensure_samples
from favor_hf.app.uploads import UploadError, UploadLimits, sniff_container, validate_upload
from favor_hf.schema import ANNOTATION_FIELDS, CAPTION_SCORE_KEYS


def _write_clip(
    path: Path, fmt: str, codec: str, frames: int = 10, rate: int = 10, size: tuple[int, int] = (64, 48)
) -> Path:
    width, height = size
    with av.open(str(path), "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = width, height
        stream.pix_fmt = "rgb8" if codec == "gif" else "yuv420p"
        for i in range(frames):
            image = np.full((height, width, 3), (i * 23) % 255, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


LIMITS = UploadLimits(max_bytes=2 * 2**20, max_duration_s=5.0, max_side_px=640)


@pytest.mark.parametrize(
    ("name", "fmt", "codec", "container"),
    [
        ("a.mp4", "mp4", "h264", "mov,mp4,m4a,3gp,3g2,mj2"),
        ("b.webm", "webm", "libvpx-vp9", "matroska,webm"),
        ("c.avi", "avi", "mpeg4", "avi"),
        ("d.mkv", "matroska", "h264", "matroska,webm"),
    ],
)
def test_upload_accepts_common_video_files(tmp_path, name, fmt, codec, container):
    info = validate_upload(_write_clip(tmp_path / name, fmt, codec), LIMITS)
    assert info.container == container
    assert (info.width, info.height) == (64, 48)
    assert info.duration == pytest.approx(1.0, abs=0.15)


def test_upload_refuses_too_long_clip(tmp_path):
    clip = _write_clip(tmp_path / "long.mp4", "mp4", "h264", frames=80, rate=10)
    with pytest.raises(UploadError, match=r"long\.mp4: 8\.0 s is longer than the 5 s limit"):
        validate_upload(clip, LIMITS)


def test_upload_refuses_too_large_file(tmp_path):
    clip = _write_clip(tmp_path / "big.mp4", "mp4", "h264")
    with pytest.raises(UploadError, match="over the 0 MB upload limit"):
        validate_upload(clip, UploadLimits(max_bytes=100))


def test_upload_refuses_oversized_frames(tmp_path):
    clip = _write_clip(tmp_path / "wide.mp4", "mp4", "h264", size=(704, 48))
    with pytest.raises(UploadError, match="704x48 is larger than 640 pixels"):
        validate_upload(clip, LIMITS)


def test_upload_refuses_other_containers_before_ffmpeg_opens_them(tmp_path):
    gif = _write_clip(tmp_path / "anim.gif", "gif", "gif")
    ts = _write_clip(tmp_path / "clip.ts", "mpegts", "mpeg2video")
    playlist = tmp_path / "evil.mp4"
    playlist.write_text("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n")
    for path in (gif, ts, playlist):
        with pytest.raises(UploadError, match="not an MP4/MOV, MKV/WebM or AVI video file"):
            validate_upload(path, LIMITS)


def test_upload_refuses_unsupported_codec(tmp_path):
    clip = _write_clip(tmp_path / "old.mkv", "matroska", "mpeg2video")
    with pytest.raises(UploadError, match="codec 'mpeg2video' is not supported"):
        validate_upload(clip, LIMITS)


def test_upload_refuses_truncated_and_missing_files(tmp_path):
    clip = _write_clip(tmp_path / "whole.mp4", "mp4", "h264")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[:40])
    with pytest.raises(UploadError, match="cut.mp4: the video header cannot be read"):
        validate_upload(cut, LIMITS)
    with pytest.raises(UploadError, match="gone.mp4: the uploaded file is missing"):
        validate_upload(tmp_path / "gone.mp4", LIMITS)


def test_sniff_container_reads_magic_bytes():
    assert sniff_container(b"\x00\x00\x00\x18ftypmp42") == "mp4"
    assert sniff_container(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81") == "matroska"
    assert sniff_container(b"RIFF\x00\x00\x00\x00AVI LIST") == "avi"
    assert sniff_container(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None
    assert sniff_container(b"GIF89a") is None


# --- samples -------------------------------------------------------------------------

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    folder = tmp_path_factory.mktemp("space") / "samples"
    return folder, ensure_samples(folder, num_samples=3, seed=0)


def test_samples_are_generated_once_with_questions_and_clips(samples):
    folder, clips = samples
    assert sorted(clips) == ["synth0000", "synth0001", "synth0002"]
    for clip in clips.values():
        assert Path(clip["video_path"]).is_file()
        assert Path(clip["video_path"]).parent == folder / "videos" / "FAVOR-Bench"
        assert clip["questions"] and clip["caption"]
    stamp = (folder / "video_perspective.json").stat().st_mtime_ns
    again = ensure_samples(folder, num_samples=3, seed=0)
    assert (folder / "video_perspective.json").stat().st_mtime_ns == stamp
    assert again == clips
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".samples-")]


def test_samples_refuse_a_foreign_non_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SampleError, match="exists but has no video_perspective.json"):
        ensure_samples(tmp_path, num_samples=1)
    assert (tmp_path / "notes.txt").read_text() == "mine"


# --- model choice and runs -----------------------------------------------------------


def test_model_choice_specs_and_missing_fields():
    assert clip_run.ModelChoice("flow").spec() == ("flow", {})
    assert clip_run.ModelChoice("random").spec() == ("random:0", {})
    assert clip_run.ModelChoice("transformers", " org/model ").spec() == ("transformers:org/model", {})
    assert clip_run.ModelChoice("openai", "gpt-x", "http://127.0.0.1:9/v1").spec() == (
        "openai:gpt-x",
        {"base_url": "http://127.0.0.1:9/v1", "api_key": None},
    )
    with pytest.raises(clip_run.ModelUnavailable, match="enter a transformers model id"):
        clip_run.ModelChoice("transformers", " ").spec()
    with pytest.raises(clip_run.ModelUnavailable, match="enter the model name"):
        clip_run.ModelChoice("openai").spec()


def test_public_space_refuses_local_paths_and_custom_endpoints(tmp_path):
    with pytest.raises(clip_run.ModelUnavailable, match="not a Hub model id"):
        clip_run.get_adapter(clip_run.ModelChoice("transformers", str(tmp_path)), public=True)
    with pytest.raises(clip_run.ModelUnavailable, match="only calls the endpoint its owner configured"):
        clip_run.get_adapter(clip_run.ModelChoice("openai", "m", "http://169.254.169.254/v1"), public=True)
    with pytest.raises(clip_run.ModelUnavailable, match="not a Hub model id"):
        clip_run.check_caption_model(str(tmp_path), public=True)
    assert clip_run.check_caption_model(f" {MINILM} ", public=True) == MINILM
    assert clip_run.is_hub_id("HuggingFaceTB/SmolVLM2-256M-Video-Instruct")
    assert not any(clip_run.is_hub_id(name) for name in ("a/..", "../etc", "/etc/x", "model", "a/b/c"))
    assert clip_run.check_caption_model(str(tmp_path), public=False) == str(tmp_path)


def test_unavailable_model_is_a_message_not_a_crash(tmp_path):
    with pytest.raises(clip_run.ModelUnavailable, match=r"transformers:.*is not available here"):
        clip_run.get_adapter(clip_run.ModelChoice("transformers", str(tmp_path / "none")), public=False)


def test_reasoning_before_the_answer_is_not_judged(samples):
    """As in run and score, both judges read the answer after a <think> block; the raw output is shown."""
    _, clips = samples
    clip = clips["synth0000"]

    def reply(prompt: str, images: int) -> str:
        question = next(q for q in clip["questions"] if q["question"] in prompt)
        wrong = next(option for option in question["options"] if option != question["correct_answer"])
        return f"<think>Is it {wrong}? No.</think> {question['correct_answer']}"

    with ChatServer(reply=reply) as server:
        loaded = clip_run.get_adapter(clip_run.ModelChoice("openai", "m", server.base_url), public=False)
        rows = clip_run.answer_questions(loaded, clip, num_frames=4)
    assert len(rows) == len(clip["questions"])
    for row in rows:
        assert row["output"].startswith("<think>Is it ")
        assert row["official_correct"] and row["strict_correct"]
        assert row["mentioned"] == [row["options"].index(row["correct_answer"])]


def test_flow_answers_questions_judged_by_both_judges(samples):
    _, clips = samples
    loaded = clip_run.get_adapter(clip_run.ModelChoice("flow"), public=False)
    assert clip_run.get_adapter(clip_run.ModelChoice("flow"), public=False) is loaded
    seen = []
    clip = clips["synth0000"]
    rows = clip_run.answer_questions(loaded, clip, num_frames=8, progress=lambda f, text: seen.append((f, text)))
    assert [row["question_key"] for row in rows] == [q["question_key"] for q in clip["questions"]]
    for row in rows:
        assert row["output"] in row["options"]  # flow answers with an option's text
        assert row["strict_pick"] == row["options"].index(row["output"]) and row["mentioned"] == [row["strict_pick"]]
        assert row["strict_correct"] == row["official_correct"] == (row["output"] == row["correct_answer"])
    assert seen[0][0] == 0.0 and seen[-1] == (1.0, "done")
    summary = clip_run.task_summary(rows)
    right = sum(row["strict_correct"] for row in rows)
    assert summary["strict"]["counts"]["ALL"] == len(rows) and summary["strict"]["correct"]["ALL"] == right
    html = html_views.task_summary_html(summary) + html_views.questions_html(rows)
    assert f"{right} / {len(rows)} ({100 * right / len(rows):.0f}%)" in html
    assert html.count("<tr>") == 1 + len(summary["official"]["counts"]) + 1 + len(rows)


def test_caption_score_and_alignment_of_a_flow_caption(samples):
    _, clips = samples
    clip = clips["synth0001"]
    loaded = clip_run.get_adapter(clip_run.ModelChoice("flow"), public=False)
    caption = clip_run.describe_clip(loaded, clip, num_frames=8)
    result, details = clip_run.score_caption(caption, clip, MINILM)
    assert result["model_name"] == MINILM
    assert 0.0 <= result["final_score"] <= 1.0
    alignment = details["alignment"]
    reference_actions = [entry["action"] for entry in alignment["chronology"]["reference"]]
    assert len(reference_actions) == len(clip["chronological_motion_list"].split("),"))
    view = html_views.alignment_html(alignment, details["extraction"])
    # the flow baseline describes only the camera: every chronological action is missed
    assert view.count('<tr class="missed">') >= len(reference_actions)
    assert "Camera motion segments" in view and "What the extractor read" in view
    scores = html_views.scores_html(result, result["model_name"])
    assert f'data-key="final_score">{result["final_score"]:.3f}<' in scores
    assert all(f'data-key="{key}"' in scores for key in CAPTION_SCORE_KEYS)
    assert scores.count("data-key=") == len(CAPTION_SCORE_KEYS)  # the companion's keys are data-motion-key
    assert all(
        f'data-motion-key="{key}"' in scores for key in result if key.startswith("motion_") and key.endswith("_score")
    )
    assert result["signature"].startswith("favor_caption|") and f"signature: {result['signature']}" in scores


def test_a_good_caption_scores_higher_and_its_matches_show(samples):
    _, clips = samples
    clip = clips["synth0001"]
    weak, _ = clip_run.score_caption("The camera is still. Nothing moves.", clip, MINILM)
    good, details = clip_run.score_caption(clip["caption"], clip, MINILM)
    assert good["final_score"] > weak["final_score"] + 0.2
    view = html_views.alignment_html(details["alignment"], details["extraction"])
    assert view.count('<tr class="matched">') >= 3


def test_views_escape_model_text():
    row = {
        "question_key": "q1",
        "task_type": "CM",
        "question": "<b>How</b>?",
        "options": ["<script>x</script>", "B"],
        "correct_answer": "B",
        "output": "<img src=x onerror=alert(1)>",
        "mentioned": [0, 1],
        "official_correct": False,
        "strict_pick": None,
        "strict_correct": False,
    }
    html = html_views.questions_html([row])
    assert "<script>" not in html and "<img" not in html and "&lt;img src=x" in html
    assert "names several: (A) (B)" in html
    assert html_views.message_html("<i>x</i>", "m").count("<i>") == 0


def test_pasted_record_gives_an_upload_questions_and_ground_truth(samples):
    import json

    _, clips = samples
    source = clips["synth0002"]
    upload = clip_run.record_from_upload("/uploads/clip.mp4", "clip")
    assert not clip_run.has_reference(upload) and upload["questions"] == []
    raw = {key: source[key] for key in ANNOTATION_FIELDS}
    raw["questions"] = [
        {k: q[k] for k in ("question", "options", "correct_answer", "task_type")} for q in source["questions"]
    ]
    attached = clip_run.attach_record(upload, json.dumps(raw))
    assert attached["video_path"] == "/uploads/clip.mp4" and attached["video_name"] == "clip"
    assert [q["question_key"] for q in attached["questions"]] == [
        f"clip_{i}" for i in range(1, len(raw["questions"]) + 1)
    ]
    assert clip_run.has_reference(attached)
    with pytest.raises(ValueError, match="not JSON"):
        clip_run.attach_record(upload, "{oops")
    raw["questions"][0]["task_type"] = "XX"
    with pytest.raises(ValueError, match="'task_type' 'XX' is not a FAVOR task"):
        clip_run.attach_record(upload, json.dumps(raw))


# --- leaderboard ---------------------------------------------------------------------


def test_leaderboard_scores_the_baseline_runs_of_the_samples(samples, tmp_path):
    folder, clips = samples
    runs = ensure_sample_runs(folder, clips)
    names = sorted(p.name for p in runs.glob("*.jsonl"))
    assert names == ["flow-caption.jsonl", "flow-mcq.jsonl", "random-0-caption.jsonl", "random-0-mcq.jsonl"]
    owner = tmp_path / "results"
    owner.mkdir()
    (owner / "broken.jsonl").write_text('{"id": 1}\n{"id": "b"}\n')
    (owner / "foreign.jsonl").write_text('{"id": "a", "output": "x"}\n')
    board = leaderboard.build_leaderboard({"results": owner, "sample clips": runs}, caption_model=MINILM)
    assert board.files == 6
    assert board.problems == [
        "broken.jsonl: " + board.problems[0].split(": ", 1)[1],
        "foreign.jsonl: a line has no 'task' field; is it a `favor-hf run` results file?",
    ]
    assert "line 1 is not a result" in board.problems[0]
    assert sorted(board.mcq["model"]) == ["flow", "random:0"]
    assert set(board.mcq["source"]) == {"sample clips"}
    total = sum(len(c["questions"]) for c in clips.values())
    assert set(board.mcq["answered"]) == {f"{total} / {total}"}
    assert board.mcq["ALL"].between(0, 100).all()
    assert list(board.mcq["ALL"]) == sorted(board.mcq["ALL"], reverse=True)
    assert sorted(board.caption["model"]) == ["flow", "random:0"]
    assert board.caption["final_score"].between(0, 1).all()
    tasks_present = [t for t in leaderboard.MCQ_COLUMNS if board.mcq[t].notna().any()]
    assert len(board.chart) == 2 * len(tasks_present)
    assert board.chart["bar"].is_unique
    # the leaderboard's camera-motion accuracy of flow is what the Space computes clip by clip
    flow = board.mcq.set_index("model").loc["flow"]
    assert flow["CM"] == pytest.approx(100 * flow_cm_accuracy(clips), abs=0.01)


def flow_cm_accuracy(clips):
    loaded = clip_run.get_adapter(clip_run.ModelChoice("flow"), public=False)
    rows = [
        r
        for clip in clips.values()
        for r in clip_run.answer_questions(loaded, clip, num_frames=8)
        if r["task_type"] == "CM"
    ]
    return sum(r["official_correct"] for r in rows) / len(rows)


def test_a_clip_that_cannot_be_decoded_is_a_message(samples, tmp_path):
    _, clips = samples
    broken = {**clips["synth0000"], "video_path": str(tmp_path / "gone.mp4")}
    loaded = clip_run.get_adapter(clip_run.ModelChoice("flow"), public=False)
    with pytest.raises(clip_run.ClipUnreadable, match="the frames cannot be decoded .*gone.mp4: video file not found"):
        clip_run.answer_questions(loaded, broken, num_frames=8)
    with pytest.raises(clip_run.SpaceError):
        clip_run.describe_clip(loaded, broken, num_frames=8)
