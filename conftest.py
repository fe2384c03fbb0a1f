"""Run the package's docstring examples (``pytest --doctest-modules favor_hf``) on real, small inputs.

Each example runs in a fresh folder ``work/`` holding ``synth/`` (four clips of
``favor-hf synth --n 4``), ``synth-bench/`` (their export), ``clip.mp4`` (one of the clips) and,
as CI places it, the shared data at ``../shared``; offline, with the official word lists and NLTK
data from there and favor-hf's and Hugging Face's caches in temporary folders.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("FAVOR_SHARED", REPO.parent / "shared")).resolve()
OFFLINE_ENV = {
    "NLTK_DATA": str(SHARED / "nltk_data"),
    "FAVOR_DICTIONARY_PATH": str(SHARED / "favor" / "official" / "action_extraction_dicts.pkl"),
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


@pytest.fixture(scope="session")
def example_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``synth/``, ``synth-bench/`` and ``clip.mp4``, built once per session."""
    from favor_hf.data.export import export_dataset
    from favor_hf.synth import make_synthetic_benchmark

    root = tmp_path_factory.mktemp("examples")
    bench = make_synthetic_benchmark(root / "synth", n=4, seed=0, progress=False)
    export_dataset(root / "synth-bench", data_dir=bench.root)
    shutil.copy(bench.video_paths[0], root / "clip.mp4")
    return root


@pytest.fixture(autouse=True)
def _doctest_workspace(request: pytest.FixtureRequest) -> None:
    """For doctest items only: the offline environment and a fresh ``work/`` folder as the current directory."""
    if not isinstance(request.node, pytest.DoctestItem):
        return
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    tmp_path: Path = request.getfixturevalue("tmp_path")
    for name, value in OFFLINE_ENV.items():
        monkeypatch.setenv(name, os.environ.get(name, value))
    data: Path = request.getfixturevalue("example_data")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_MODULES_CACHE", str(tmp_path / "hf" / "modules"))
    monkeypatch.setenv("FAVOR_HF_CACHE", str(tmp_path / "favor-hf-cache"))
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "shared").symlink_to(SHARED)
    for entry in data.iterdir():
        (work / entry.name).symlink_to(entry)
    monkeypatch.chdir(work)
