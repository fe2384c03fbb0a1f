"""Griffe extension: show the `>>>` examples of docstrings as Python console code blocks.

Without it, Markdown reads an example such as `rows[0]["task_type"]` as a reference link.
"""

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """Wrap each run of `>>>` lines and their expected output (up to a blank line) in a pycon fence."""
    out: list[str] = []
    in_block = False
    fenced = False
    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith("```"):
            fenced = not fenced
        if not fenced and not in_block and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            in_block = True
        elif in_block and not stripped:
            out.append(f"{indent}```")
            in_block = False
        out.append(line)
    if in_block:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the doctest examples of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
