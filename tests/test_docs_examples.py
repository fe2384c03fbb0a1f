"""Every Python block of the docs, the README and the metric cards (and the metric scripts' documented
examples) runs, and its shown output is checked.

A block in ```python fences runs in order with the blocks before it on the same page; a block of
``>>>`` lines runs as a doctest (ELLIPSIS, NORMALIZE_WHITESPACE), so its output must match. A
block that cannot run here (a GPU, a network or a server) is preceded by
``<!-- not run: REASON -->``. Each page runs in a fresh process (its own Hugging Face caches,
offline, favor-hf's evaluate modules registered) in a folder holding ``synth/`` (four synthetic clips), ``synth-bench/`` (their export),
``FAVOR/`` (the full-size synthetic question set and the official annotations, linked from
``../shared``) and ``favor-bench/`` (its export).
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import GT_ANNOTATIONS, NLTK_DATA, REPO, SYNTHETIC

PAGES = sorted((REPO / "docs").glob("*.md")) + [
    REPO / "README.md",
    REPO / "metrics" / "favor_caption" / "README.md",
    REPO / "metrics" / "favor_mcq" / "README.md",
    REPO / "metrics" / "favor_caption" / "favor_caption.py",
    REPO / "metrics" / "favor_mcq" / "favor_mcq.py",
]
FENCE = re.compile(r"^```(\w*)\s*$")
NOT_RUN = re.compile(r"^<!-- not run: (.+\S) -->$")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def is_doctest(code: str) -> bool:
    return any(line.lstrip().startswith(">>>") for line in code.split("\n"))


def kwargs_description(script: str) -> list[tuple[int, str, str | None]]:
    """The ``_KWARGS_DESCRIPTION`` of an evaluate module script (its documented example), as one block."""
    for node in ast.parse(script).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["_KWARGS_DESCRIPTION"]:
            return [(node.lineno, ast.literal_eval(node.value), None)]
    return []


def page_blocks(page: Path) -> list[tuple[int, str, str | None]]:
    text = page.read_text(encoding="utf-8")
    return kwargs_description(text) if page.suffix == ".py" else python_blocks(text)


def python_blocks(text: str) -> list[tuple[int, str, str | None]]:
    """``(line, code, reason not run)`` for each fenced Python block (or block of ``>>>`` lines) of a page."""
    lines = text.split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        body = "\n".join(lines[i + 1 : end])
        if match.group(1) in ("python", "pycon") or body.lstrip().startswith(">>>"):
            skip = NOT_RUN.match(lines[i - 1]) if i else None
            blocks.append((i + 1, body, skip.group(1) if skip else None))
        i = end + 1
    return blocks


def run_page(page: Path) -> int:
    """Run a page's blocks in one namespace; print each failure; return the number of failures."""
    namespace: dict = {"__name__": "__example__"}
    if page.suffix == ".py":  # a module's examples run in its namespace, as doctest runs a docstring's
        exec(compile(page.read_text(encoding="utf-8"), str(page), "exec"), namespace)
    failures = 0
    for line, code, reason in page_blocks(page):
        if reason is not None:
            continue
        where = f"{page.name}:{line}"
        if is_doctest(code):
            test = doctest.DocTestParser().get_doctest(code, namespace, where, str(page), line)
            runner = doctest.DocTestRunner(optionflags=FLAGS)
            runner.run(test, clear_globs=False)
            failures += runner.failures
        else:
            try:
                exec(compile(code, where, "exec"), namespace)
            except Exception as err:  # noqa: BLE001 - any error of an example is a failure to report
                print(f"{where}: {type(err).__name__}: {err}")
                failures += 1
    return failures


@pytest.fixture(scope="session")
def docs_data(example_data, tmp_path_factory) -> Path:
    """The root conftest's ``synth/``, ``synth-bench/``, ``clip.mp4`` plus ``FAVOR/`` and its export."""
    from favor_hf.data.export import export_dataset

    root = tmp_path_factory.mktemp("docs")
    for entry in example_data.iterdir():
        (root / entry.name).symlink_to(entry)
    favor = root / "FAVOR"
    favor.mkdir()
    (favor / "video_perspective.json").symlink_to(SYNTHETIC / "synthetic_video_perspective.json")
    (favor / "question_perspective.json").symlink_to(SYNTHETIC / "synthetic_question_perspective.json")
    (root / "FAVOR_gt_annotations.json").symlink_to(GT_ANNOTATIONS)
    export_dataset(root / "favor-bench", data_dir=favor, annotations=GT_ANNOTATIONS, check_videos=False)
    return root


def work_folder(data: Path, folder: Path) -> Path:
    """``folder/work`` with the example data (small folders copied, as examples may write into them) and ``../shared``."""
    work = folder / "work"
    work.mkdir(parents=True)
    for entry in data.iterdir():
        if entry.name in ("synth", "synth-bench"):
            shutil.copytree(entry.resolve(), work / entry.name, symlinks=True)
        else:
            (work / entry.name).symlink_to(entry.resolve())
    (folder / "shared").symlink_to(NLTK_DATA.parent)
    return work


@pytest.fixture(scope="session")
def page_failures(docs_data: Path, tmp_path_factory) -> dict[str, str]:
    """Run every page in one fresh, offline process (imports paid once); failure reports by page."""
    folder = tmp_path_factory.mktemp("pages")
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "tests")]),
        HF_HOME=str(folder / "hf"),
        HF_MODULES_CACHE=str(folder / "hf" / "modules"),
        FAVOR_HF_CACHE=str(folder / "favor-hf-cache"),
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
    )
    report = folder / "failures.json"
    command = [sys.executable, __file__, str(docs_data), str(report), *map(str, PAGES)]
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    assert report.is_file(), f"the page runner stopped:\n{result.stdout}\n{result.stderr[-3000:]}"
    return json.loads(report.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_page_examples_run(page: Path, page_failures: dict[str, str]) -> None:
    if not any(reason is None for _, _, reason in page_blocks(page)):
        pytest.skip("no Python block to run on this page")
    assert str(page) in page_failures, f"{page} was not run"
    assert not page_failures[str(page)], f"{page.name}: examples failed\n{page_failures[str(page)]}"


def test_wrong_output_and_errors_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\n>>> 1 + 1\n3\n```\n\n```python\nraise ValueError('boom')\n```\n", encoding="utf-8")
    assert run_page(page) == 2
    out = capsys.readouterr().out
    assert "Expected:\n    3\nGot:\n    2" in out and "page.md:6: ValueError: boom" in out


def test_blocks_not_run_say_why() -> None:
    text = "```python\nprint(1)\n```\n<!-- not run: needs a GPU -->\n```python\nprint(2)\n```\n"
    assert python_blocks(text) == [(1, "print(1)", None), (5, "print(2)", "needs a GPU")]
    for page in PAGES:
        for line, code, _ in python_blocks(page.read_text(encoding="utf-8")):
            assert code.strip(), f"{page}:{line}: empty Python block"


def main(data: Path, report: Path, pages: list[Path]) -> None:
    """Write ``{page: failure report ('' when all passed)}`` to ``report``, each page run in its own work folder."""
    from favor_hf.hub_metrics import install_metrics

    install_metrics()  # evaluate.load("favor_caption") by its bare name, as after `favor-hf install-metrics`
    failures = {}
    for number, page in enumerate(pages):
        os.chdir(work_folder(data, report.parent / f"page{number}"))
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            failed = run_page(page)
        failures[str(page)] = (output.getvalue() or "failed") if failed else ""
    report.write_text(json.dumps(failures), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]])
