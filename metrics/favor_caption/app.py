from pathlib import Path

import evaluate
from evaluate.utils import launch_gradio_widget

module = evaluate.load(str(Path(__file__).parent / "favor_caption.py"))
launch_gradio_widget(module)
