"""FAVOR-Bench Space: try a model on FAVOR clips and see why it scores what it scores.

Run locally with ``python space/app.py`` (serves on http://127.0.0.1:7860). Everything
it shows is built by :mod:`favor_hf.app`; settings come from ``$FAVOR_SPACE_*`` variables.
"""

from pathlib import Path

from favor_hf.app.settings import SpaceSettings
from favor_hf.app.ui import build_demo, launch_options

settings = SpaceSettings.from_env(Path(__file__).parent)
demo = build_demo(settings)

if __name__ == "__main__":
    demo.launch(**launch_options(settings))
