"""The ``transformers`` adapter: a Hugging Face image-text model by Hub id or local path.

The model loads with ``AutoModelForImageTextToText`` and ``AutoProcessor``; a batch is
answered by one left-padded ``generate`` call with greedy decoding. How the sampled clip
reaches the model is ``video_input``:

- ``video``: one video part in the chat template and the processor's ``videos=`` with the
  clip's timing as ``video_metadata`` (frame indices and source fps), so Qwen2-VL/2.5-VL/3-VL,
  LLaVA-OneVision, LLaVA-NeXT-Video, SmolVLM2, InternVL and other video processors merge frame
  pairs and place video tokens in time as they were trained to;
- ``images``: each frame as an image part of one user turn (image-only models);
- ``auto`` (default): ``video`` when the processor has a video processor, else ``images``.

With the ``official`` sampling preset the call is the official FAVOR-Bench one: qwen-vl-utils'
float frames and the frame rate the official runs' processor assumed (see
:mod:`favor_hf.video.presets`).

With ``share_video_prefix=True`` a video's questions share one vision encoding and one prefill
of the prompt up to the video (:mod:`favor_hf.models.video_prefix`); families where that is not
supported answer every question from its full prompt and say so in ``notes``.

Example:
    >>> from favor_hf.video import sample_frames
    >>> frames = sample_frames("clip.mp4", num_frames=8)
    >>> # not run in CI: downloads 7B weights from the Hub and needs a GPU
    >>> adapter = TransformersAdapter("Qwen/Qwen2.5-VL-7B-Instruct", dtype="bfloat16")  # doctest: +SKIP
    >>> adapter.generate([ModelInput(prompt="Describe the video.", frames=frames)])  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from favor_hf.models.base import ModelAdapter, ModelInput, check_video_input
from favor_hf.models.video_prefix import PrefixSharing, unsupported_reason, video_key
from favor_hf.network import hub_offline_reason

DTYPES = ("auto", "float32", "bfloat16", "float16")


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class TransformersAdapter(ModelAdapter):
    """Greedy generation with a local or Hub image-text-to-text model.

    Args:
        model_id: Hub id or local directory holding the model and its processor.
        device: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... or ``"auto"`` (``device_map="auto"``
            across the visible GPUs); default the first GPU if there is one, else the CPU.
        dtype: ``"auto"`` (the checkpoint's), ``"float32"``, ``"bfloat16"`` or ``"float16"``.
        max_new_tokens: tokens to generate per answer.
        batch_size: inputs per ``generate`` call.
        attn_implementation: passed to ``from_pretrained`` (e.g. ``"flash_attention_2"``, ``"sdpa"``).
        video_input: ``"auto"``, ``"video"`` or ``"images"`` (see the module docstring).
        share_video_prefix: encode each video and prefill its prompt prefix once for all its questions.
    """

    needs_frames = True

    def __init__(
        self,
        model_id: str,
        device: str | None = None,
        dtype: str = "auto",
        max_new_tokens: int = 256,
        batch_size: int = 1,
        attn_implementation: str | None = None,
        video_input: str = "auto",
        share_video_prefix: bool = False,
    ):
        import torch
        import transformers
        from packaging.version import Version
        from transformers import AutoModelForImageTextToText, AutoProcessor

        if not model_id:
            raise ValueError(
                "transformers adapter needs a model id or path, e.g. transformers:HuggingFaceTB/SmolVLM2-2.2B-Instruct"
            )
        if dtype not in DTYPES:
            raise ValueError(f"dtype {dtype!r}: expected one of {', '.join(DTYPES)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        check_video_input(video_input)
        self.name = f"transformers:{model_id}"
        self.max_batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        device = device or _default_device()
        # transformers < 4.56 names the argument torch_dtype
        dtype_key = "dtype" if Version(transformers.__version__) >= Version("4.56") else "torch_dtype"
        kwargs: dict[str, Any] = {dtype_key: dtype if dtype == "auto" else getattr(torch, dtype)}
        if attn_implementation:
            kwargs["attn_implementation"] = attn_implementation
        if device == "auto":
            kwargs["device_map"] = "auto"
        offline = hub_offline_reason()  # then only local files: an error in seconds, not minutes of retries
        try:
            self.processor = AutoProcessor.from_pretrained(model_id, local_files_only=offline is not None)
            self.model = AutoModelForImageTextToText.from_pretrained(
                model_id, local_files_only=offline is not None, **kwargs
            )
        except (OSError, ValueError) as err:
            raise ValueError(
                f"cannot load {model_id!r} as an image-text-to-text model with its processor ({err}). Pass a Hub id "
                "or a local directory with config.json, the weights and the processor files."
                + (
                    f" Offline ({offline}), only local directories and models in the Hugging Face cache load."
                    if offline
                    else ""
                )
            ) from err
        if device != "auto":
            # transformers declares .to with functools.wraps(nn.Module.to), which mypy reads as unbound
            self.model.to(device)  # type: ignore[arg-type]
        self.model.eval()
        tokenizer = getattr(self.processor, "tokenizer", None)
        if tokenizer is not None:
            tokenizer.padding_side = "left"  # decoder-only batching: pad before the prompt
        if not getattr(self.processor, "chat_template", None):
            raise ValueError(f"{model_id!r}: the processor has no chat template; use an instruction-tuned model")
        takes_video = getattr(self.processor, "video_processor", None) is not None
        if video_input == "video" and not takes_video:
            raise ValueError(
                f"{model_id!r}: its processor ({type(self.processor).__name__}) takes no video; use images"
            )
        self.video_input = "video" if video_input == "video" or (video_input == "auto" and takes_video) else "images"
        self._sharing: PrefixSharing | None = None
        if share_video_prefix:
            reason = unsupported_reason(self.model)
            if reason:
                self.notes = (f"share_video_prefix: {reason}; every question was answered from its full prompt",)
            else:
                cache_names = getattr(transformers.generation.utils, "ALL_CACHE_NAMES", ())
                self._sharing = PrefixSharing(
                    self.model, self.processor, "cache" if "cache" in cache_names else "past_key_values"
                )
        self.share_video_prefix = self._sharing is not None

    def _text(self, request: ModelInput) -> str:
        if request.frames is None:
            content: list[dict[str, Any]] = []
        elif self.video_input == "video":
            content = [{"type": "video"}]
        else:
            content = [{"type": "image"} for _ in range(len(request.frames))]
        content.append({"type": "text", "text": request.prompt})
        messages = [{"role": "user", "content": content}]
        return self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    def _visual_kwargs(self, inputs: list[ModelInput]) -> dict[str, Any]:
        """``images=`` or ``videos=`` (with ``video_metadata``) of the processor call, or nothing."""
        with_frames = [request for request in inputs if request.frames is not None]
        if not with_frames:
            return {}
        if len(with_frames) != len(inputs):
            raise ValueError("mix of inputs with and without frames in one batch")
        if self.video_input == "images":
            from PIL import Image

            return {
                "images": [
                    [Image.fromarray(frame) for frame in request.frames]
                    for request in inputs
                    if request.frames is not None  # all of them (checked above)
                ]
            }
        videos = [request.clip.processor_video() if request.clip else request.frames for request in inputs]
        kwargs: dict[str, Any] = {"videos": videos, "do_sample_frames": False}
        clips = [request.clip for request in inputs if request.clip is not None]
        if len(clips) == len(inputs):
            kwargs["video_metadata"] = [clip.processor_metadata() for clip in clips]
        return kwargs

    def processor_inputs(self, inputs: list[ModelInput]) -> Any:
        """The processor's output for a batch (``input_ids``, ``pixel_values_videos``, ...), on the model's device."""
        texts = [self._text(request) for request in inputs]
        return self.processor(text=texts, padding=True, return_tensors="pt", **self._visual_kwargs(inputs)).to(
            self.model.device
        )

    def generate(self, inputs: list[ModelInput]) -> list[str]:
        """Answer a batch with greedy ``generate`` (one call, or one per video when sharing prefixes)."""
        return self._answer(inputs, logits=False)[0]

    def answer_logits(self, inputs: list[ModelInput]) -> tuple[list[str], list[Any]]:
        """The answers and, per input, the logits of each generated step (``steps x vocab``, through the end token).

        What tests and benchmarks compare to show that sharing a video's prefix changes nothing.
        """
        return self._answer(inputs, logits=True)

    def _answer(self, inputs: list[ModelInput], logits: bool) -> tuple[list[str], list[Any]]:
        import torch

        options: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "do_sample": False}
        if logits:
            options.update(return_dict_in_generate=True, output_logits=True)
        texts: list[str] = [""] * len(inputs)
        steps: list[Any] = [None] * len(inputs)
        plain = list(range(len(inputs)))
        if self._sharing is not None:
            groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
            plain = []
            for i, request in enumerate(inputs):
                parts = self._sharing.split(self._text(request)) if request.frames is not None else None
                if parts is None:
                    plain.append(i)
                else:
                    groups.setdefault((parts[0], video_key(request)), []).append((i, parts[1]))
            for key, members in groups.items():
                visual = self._visual_kwargs([inputs[members[0][0]]])
                output, width, usage = self._sharing.generate(key, visual, [q for _, q in members], **options)
                self._collect(output, width, [i for i, _ in members], usage, inputs, texts, steps)
        if plain:
            batch = self.processor_inputs([inputs[i] for i in plain])
            with torch.inference_mode():
                output = self.model.generate(**batch, **options)
            width = int(batch["input_ids"].shape[1])
            usage = [
                {"vision_calls": int(inputs[i].frames is not None), "prefill_tokens": width, "cached_tokens": 0}
                for i in plain
            ]
            self._collect(output, width, plain, usage, inputs, texts, steps)
        return texts, steps

    def _collect(
        self,
        output: Any,
        prompt_length: int,
        rows: list[int],
        usage: list[dict[str, int]],
        inputs: list[ModelInput],
        texts: list[str],
        steps: list[Any],
    ) -> None:
        """Decode ``generate``'s output (prompts of ``prompt_length`` tokens) for the inputs ``rows`` into ``texts``
        (and ``steps``), and record their usage."""
        import torch

        sequences = output if isinstance(output, torch.Tensor) else output.sequences
        new_tokens = sequences[:, prompt_length:]
        decoded = self.processor.batch_decode(new_tokens, skip_special_tokens=True, clean_up_tokenization_spaces=False)
        ends = self.model.generation_config.eos_token_id
        ends = set(ends if isinstance(ends, list) else [ends])
        for row, (i, text) in enumerate(zip(rows, decoded)):
            texts[i] = text.strip()
            inputs[i].usage.update(usage[row])
            if not isinstance(output, torch.Tensor):
                tokens = new_tokens[row].tolist()
                length = next((n + 1 for n, token in enumerate(tokens) if token in ends), len(tokens))
                steps[i] = torch.stack([step[row] for step in output.logits[:length]])

    def close(self) -> None:
        """Drop the model and free GPU memory."""
        import torch

        self._sharing = None  # the kept prefix cache
        del self.model
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
