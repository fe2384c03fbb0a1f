"""MkDocs hook: serve the evaluate metric cards (`metrics/*/README.md`) as site pages.

The cards stay where the Hub needs them; the site shows them without their YAML header.
"""

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

CARDS = {
    "metric-cards/favor_caption.md": "metrics/favor_caption/README.md",
    "metric-cards/favor_mcq.md": "metrics/favor_mcq/README.md",
}


def card_markdown(text: str) -> str:
    """Return a card's Markdown without its leading `---` YAML block."""
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[1]
    return text.lstrip("\n")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    root = Path(config.config_file_path).parent
    for uri, source in CARDS.items():
        files.append(File.generated(config, uri, content=card_markdown((root / source).read_text(encoding="utf-8"))))
    return files
