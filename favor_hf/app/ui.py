"""The Gradio Blocks of the Space: clip and model pickers, then Questions, Caption and Leaderboard tabs.

:func:`build_demo` makes the sample clips (first start only), the baseline runs shown on
the leaderboard, and the UI; :func:`launch_options` holds what ``launch()`` needs to keep
file access inside the Space's folders. ``space/app.py`` is these two calls. The port and
interface are Gradio's: ``GRADIO_SERVER_PORT`` (default 7860) and ``GRADIO_SERVER_NAME``
(default 127.0.0.1), e.g. ``GRADIO_SERVER_PORT=7871 python space/app.py``.

Example:
    >>> settings = SpaceSettings.from_env("space")
    >>> settings.samples_dir.name, launch_options(settings)["max_file_size"]
    ('samples', '50mb')
    >>> # not run in CI: starts a web server (and first renders the samples and runs the baselines)
    >>> build_demo(settings).launch(**launch_options(settings))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from favor_hf.app import clip_run, guards, html_views, leaderboard
from favor_hf.app.samples import ensure_sample_runs, ensure_samples
from favor_hf.app.settings import SpaceSettings
from favor_hf.app.uploads import UploadError, UploadLimits, validate_upload
from favor_hf.mcq import JUDGES
from favor_hf.schema import CITATION

INTRO = """# FAVOR-Bench: fine-grained video motion
Pick a sample clip (synthetic shapes with exact motion ground truth) or upload your own, choose a
model, then answer the clip's multiple-choice questions or caption it and see how the LLM-free
caption score aligns the caption with the ground truth.
[Paper](https://arxiv.org/abs/2503.14935) · code: `favor-hf`."""

UPLOAD_RECORD_HELP = (
    "Uploaded clips have no ground truth. To get questions and caption scores, paste the clip's entry of "
    "FAVOR's video_perspective.json (video_name, questions, caption, camera_motion, subject_attributes, "
    "motion_list, chronological_motion_list)."
)


def _clip_info(clip: dict[str, Any] | None, info: Any = None) -> str:
    if not clip:
        return "No clip selected."
    lines = [f"**{clip['video_name']}**" + (" (upload)" if clip.get("uploaded") else " (sample)")]
    if info is not None:
        lines.append(
            f"{info.width}×{info.height}, {info.fps:.0f} fps, {info.duration:.1f} s, {info.codec} in {info.container.split(',')[0]}"
        )
    if clip.get("caption"):
        lines.append(f"Ground-truth caption: {clip['caption']}")
    count = len(clip.get("questions", []))
    lines.append(f"{count} question{'s' if count != 1 else ''}")
    return "\n\n".join(lines)


def _current_clip(clip: dict[str, Any] | None, record_text: str | None, max_chars: int) -> dict[str, Any]:
    """The clip to run on, with a pasted record attached to an upload; gr.Error when there is none."""
    if not clip:
        raise gr.Error("Pick a sample clip or upload a video first.")
    if clip.get("uploaded") and record_text and record_text.strip():
        try:
            guards.check_size(record_text, max_chars, "pasted record", "FAVOR_SPACE_MAX_RECORD_CHARS")
            return clip_run.attach_record(clip, record_text)
        except (ValueError, guards.InputTooLarge) as err:
            raise gr.Error(f"The pasted record cannot be used: {err}") from err
    return clip


def _progress(progress: gr.Progress):
    return lambda fraction, text: progress(fraction, desc=text)


def build_demo(settings: SpaceSettings) -> gr.Blocks:
    """The Space's UI over ``settings`` (generates the sample clips on first start)."""
    if not settings.persist_embeddings:
        guards.keep_visitor_text_in_memory()
    clips = ensure_samples(settings.samples_dir, settings.num_samples, settings.sample_seed)
    sample_results = ensure_sample_runs(settings.samples_dir, clips)
    folders = {"results": settings.results_dir, "sample clips": sample_results}
    leaderboard.build_leaderboard(folders, "official", settings.caption_model)  # warm the cache and the caption model
    limits = UploadLimits(
        max_bytes=int(settings.max_upload_mb * 2**20),
        max_duration_s=settings.max_duration_s,
        max_side_px=settings.max_side_px,
    )
    first = min(clips)

    def select_sample(name: str):
        clip = clips.get(name)
        if clip is None:
            raise gr.Error(f"unknown sample {name!r}")
        return clip, clip["video_path"], _clip_info(clip)

    def accept_upload(path: str | None):
        if not path:
            return None, None, _clip_info(None)
        try:
            info = validate_upload(path, limits)
        except UploadError as err:
            Path(path).unlink(missing_ok=True)  # never keep or serve a refused file
            gr.Warning(str(err))
            return None, None, f"**Upload refused.** {err}"
        clip = clip_run.record_from_upload(path, Path(path).stem)
        return clip, gr.update(), _clip_info(clip, info) + f"\n\n{UPLOAD_RECORD_HELP}"

    def choose_kind(kind: str):
        return (
            gr.update(
                visible=kind in ("transformers", "openai"),
                label="Model id (Hub)" if kind == "transformers" else "Model name served by the endpoint",
            ),
            gr.update(visible=kind == "openai"),
            gr.update(visible=kind == "openai"),
        )

    def load(kind: str, model_id: str, base_url: str, api_key: str):
        choice = clip_run.ModelChoice(kind, model_id, base_url, api_key)
        return clip_run.get_adapter(choice, settings.public)

    def run_questions(clip, record_text, kind, model_id, base_url, api_key, num_frames, progress=gr.Progress()):
        clip = _current_clip(clip, record_text, settings.max_record_chars)
        if not clip["questions"]:
            text = "This clip has no questions." + (f" {UPLOAD_RECORD_HELP}" if clip.get("uploaded") else "")
            return html_views.message_html(text, "questions-summary", "muted"), ""
        try:
            loaded = load(kind, model_id, base_url, api_key)
            rows = clip_run.answer_questions(loaded, clip, int(num_frames), _progress(progress))
        except clip_run.SpaceError as err:
            gr.Warning(str(err))
            return html_views.message_html(str(err), "questions-summary"), ""
        summary = html_views.task_summary_html(clip_run.task_summary(rows))
        return summary, html_views.questions_html(rows)

    def score(caption: str, clip, caption_model: str, progress: gr.Progress) -> tuple[str, str]:
        """Scores and alignment views, or a message in their place."""
        if not clip_run.has_reference(clip):
            text = "No ground truth to score against." + (f" {UPLOAD_RECORD_HELP}" if clip.get("uploaded") else "")
            return html_views.message_html(text, "caption-scores", "muted"), ""
        progress(0.6, desc="scoring the caption")
        try:
            guards.check_size(caption, settings.max_caption_chars, "caption", "FAVOR_SPACE_MAX_CAPTION_CHARS")
            name = clip_run.check_caption_model(caption_model or "", settings.public)
            result, details = clip_run.score_caption(caption, clip, name)
        except clip_run.SpaceError as err:
            gr.Warning(str(err))
            return html_views.message_html(str(err), "caption-scores"), ""
        finally:
            guards.forget_visitor_text()
        return (
            html_views.scores_html(result, result["model_name"])
            + html_views.parse_warnings_html(guards.annotation_warnings(clip)),
            html_views.alignment_html(
                details["alignment"], details.get("extraction"), details.get("motion_contradictions")
            ),
        )

    def run_caption(
        clip, record_text, kind, model_id, base_url, api_key, num_frames, caption_model, progress=gr.Progress()
    ):
        clip = _current_clip(clip, record_text, settings.max_record_chars)
        try:
            loaded = load(kind, model_id, base_url, api_key)
            caption = clip_run.describe_clip(loaded, clip, int(num_frames), _progress(progress))
        except clip_run.SpaceError as err:
            gr.Warning(str(err))
            return gr.update(), html_views.message_html(str(err), "caption-scores"), ""
        return caption, *score(caption, clip, caption_model, progress)

    def rescore(clip, record_text, caption, caption_model, progress=gr.Progress()):
        clip = _current_clip(clip, record_text, settings.max_record_chars)
        if not (caption or "").strip():
            raise gr.Error("Write or generate a caption first.")
        return score(caption, clip, caption_model, progress)

    def refresh_board(judge: str, progress=gr.Progress()):
        progress(0.1, desc="scoring results files")
        board = leaderboard.build_leaderboard(folders, judge, settings.caption_model)
        note = [
            leaderboard.board_header(board.files, settings.results_dir),
            *(f"- skipped {problem}" for problem in board.problems),
            *(f"- {n}" for n in board.notes),
        ]
        chart = gr.update(value=board.chart, sort=list(board.chart["bar"]))
        return board.mcq, chart, board.caption, "\n".join(note), board.paper_table

    with gr.Blocks(title="FAVOR-Bench explorer") as demo:
        gr.Markdown(INTRO)
        clip_state = gr.State(clips[first])
        with gr.Row():
            with gr.Column(scale=3):
                sample = gr.Dropdown(sorted(clips), value=first, label="Sample clip", elem_id="sample-picker")
                video = gr.Video(
                    clips[first]["video_path"],
                    label="Clip (upload your own: MP4, WebM, MKV or AVI)",
                    sources=["upload"],
                    format=None,
                    height=300,
                    elem_id="clip-video",
                    loop=True,
                )
                clip_info = gr.Markdown(_clip_info(clips[first]), elem_id="clip-info")
                with gr.Accordion("Ground truth for an uploaded clip (optional)", open=False):
                    record_text = gr.Textbox(label="FAVOR video record (JSON)", lines=6, info=UPLOAD_RECORD_HELP)
            with gr.Column(scale=2):
                kind = gr.Dropdown(
                    [(label, key) for key, label in clip_run.MODEL_KINDS.items()],
                    value="flow",
                    label="Model",
                    elem_id="model-kind",
                )
                model_id = gr.Textbox(label="Model id (Hub)", visible=False, elem_id="model-id")
                base_url = gr.Textbox(label="Endpoint base URL (ending in /v1; empty: $OPENAI_BASE_URL)", visible=False)
                api_key = gr.Textbox(label="API key (optional)", type="password", visible=False)
                num_frames = gr.Slider(
                    2,
                    32,
                    value=settings.num_frames,
                    step=1,
                    label="Frames sampled per clip (flow, transformers, openai)",
                )
                caption_model = gr.Dropdown(
                    [settings.caption_model, "sentence-transformers/all-distilroberta-v1"],
                    value=settings.caption_model,
                    allow_custom_value=True,
                    label="Embedding model of the caption score",
                    elem_id="caption-model",
                )
        with gr.Tabs():
            with gr.Tab("Questions", id="questions"):
                ask = gr.Button("Answer the questions", variant="primary", elem_id="run-questions")
                questions_summary = gr.HTML(elem_id="questions-summary-box")
                questions_table = gr.HTML(elem_id="questions-box")
            with gr.Tab("Caption", id="caption"):
                describe = gr.Button("Caption the clip and score it", variant="primary", elem_id="run-caption")
                caption = gr.Textbox(
                    label="Caption (edit it and rescore to explore the metric)", lines=3, elem_id="caption-text"
                )
                rescore_button = gr.Button("Score this caption", elem_id="rescore")
                caption_scores = gr.HTML(elem_id="caption-scores-box")
                alignment = gr.HTML(elem_id="alignment-box")
            with gr.Tab("Leaderboard", id="leaderboard"):
                with gr.Row():
                    judge = gr.Radio(list(JUDGES), value="official", label="MCQ judge")
                    reload = gr.Button("Reload results", elem_id="reload-results")
                board_note = gr.Markdown(elem_id="board-note")
                board_mcq = gr.Dataframe(
                    label="Multiple-choice accuracy (%) per task", elem_id="board-mcq", interactive=False
                )
                board_chart = gr.BarPlot(
                    x="bar",
                    y="accuracy",
                    color="run",
                    x_title="task · run",
                    y_title="accuracy (%)",
                    y_lim=[0, 100],
                    x_label_angle=-40,
                    height=420,
                    colors_in_legend=[],  # runs are named on the x axis
                    label="Accuracy per task",
                    elem_id="board-chart",
                )
                board_caption = gr.Dataframe(label="Caption scores", elem_id="board-caption", interactive=False)
                gr.Markdown("### The paper's table (95% intervals, videos resampled)")
                board_paper = gr.Markdown(elem_id="board-paper-table")
        with gr.Accordion("Citation", open=False):
            gr.Code(CITATION, language=None)

        sample.input(select_sample, sample, [clip_state, video, clip_info])
        video.upload(accept_upload, video, [clip_state, video, clip_info])
        video.clear(lambda: (None, _clip_info(None)), None, [clip_state, clip_info])
        kind.change(choose_kind, kind, [model_id, base_url, api_key])
        model_inputs = [kind, model_id, base_url, api_key, num_frames]
        # model runs share one group; scoring a caption has its own, so it never waits behind a model run
        ask.click(
            run_questions,
            [clip_state, record_text, *model_inputs],
            [questions_summary, questions_table],
            concurrency_id="model",
        )
        describe.click(
            run_caption,
            [clip_state, record_text, *model_inputs, caption_model],
            [caption, caption_scores, alignment],
            concurrency_id="model",
        )
        rescore_button.click(
            rescore,
            [clip_state, record_text, caption, caption_model],
            [caption_scores, alignment],
            concurrency_id="score",
            concurrency_limit=settings.concurrency_limit,
        )
        board_outputs = [board_mcq, board_chart, board_caption, board_note, board_paper]
        reload.click(refresh_board, judge, board_outputs)
        judge.change(refresh_board, judge, board_outputs)
        demo.load(refresh_board, judge, board_outputs)
    demo.queue(default_concurrency_limit=settings.concurrency_limit, max_size=settings.queue_size)
    return demo


def launch_options(settings: SpaceSettings) -> dict[str, Any]:
    """``launch()`` arguments: serve only the sample folder and uploads, cap upload size, add the views' CSS."""
    return {
        "allowed_paths": [str(settings.samples_dir / "videos")],
        "blocked_paths": [str(settings.samples_dir / "results"), str(settings.results_dir)],
        "max_file_size": f"{settings.max_upload_mb:g}mb",
        "css": html_views.CSS,
    }
