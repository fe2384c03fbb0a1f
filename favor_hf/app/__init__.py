"""The pieces of the FAVOR-Bench Gradio Space (``space/app.py`` only wires them together).

- :mod:`~favor_hf.app.settings`: folders, limits and defaults, from the environment.
- :mod:`~favor_hf.app.uploads`: size, duration, container and codec checks of an uploaded clip.
- :mod:`~favor_hf.app.samples`: synthetic sample clips, generated once at first start.
- :mod:`~favor_hf.app.clip_run`: run a model on one clip (questions, caption) and judge it.
- :mod:`~favor_hf.app.html_views`: question results, caption scores and the caption alignment as HTML.
- :mod:`~favor_hf.app.leaderboard`: per-task scores from ``favor-hf run`` results files.
- :mod:`~favor_hf.app.ui`: the Gradio Blocks (imports Gradio; the other modules do not).
"""
