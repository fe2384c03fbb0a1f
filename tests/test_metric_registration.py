"""The literal ``evaluate.load("favor_mcq")`` in a fresh offline process, registration upgrades, push errors, wheels."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import NLTK_DATA, REPO
from favor_hf.hub_metrics import (
    MetricRegistrationError,
    available_metrics,
    hf_modules_cache,
    install_metrics,
    metrics_dir,
    push_metrics,
)

REFERENCES = [
    {"correct_answer": "Sits down", "options": ["Walks", "Sits down", "Waves"], "task_type": "SAD"},
    {"correct_answer": "Pans to the left", "options": ["Stationary", "Pans to the left"], "task_type": "CM"},
]
COMPUTE = (
    "import evaluate, json; m = evaluate.load({name!r}); "
    "print(json.dumps(m.compute(predictions=['B', 'It sits down'], references={refs!r}, judge='strict')))"
)


def fresh_env(tmp_path) -> dict[str, str]:
    """An environment with empty, private evaluate caches and the Hub switched off."""
    env = dict(os.environ)
    env.update(
        HF_HOME=str(tmp_path / "hf"),
        HF_MODULES_CACHE=str(tmp_path / "hf" / "modules"),
        HF_EVALUATE_CACHE=str(tmp_path / "hf" / "evaluate"),
        HF_HUB_OFFLINE="1",
        HF_DATASETS_OFFLINE="1",
        HF_EVALUATE_OFFLINE="1",
        NLTK_DATA=str(NLTK_DATA),
    )
    return env


def run_python(code: str, tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, *(["-c", code] if code else []), *args]
    return subprocess.run(
        command, check=False, cwd=tmp_path, env=fresh_env(tmp_path), capture_output=True, text=True, timeout=300
    )


def test_bare_name_loads_offline_after_install_metrics(tmp_path):
    installed = run_python("", tmp_path, "-m", "favor_hf", "install-metrics")
    assert installed.returncode == 0, installed.stderr
    assert "evaluate-metric--favor_mcq" in installed.stdout
    after = run_python(COMPUTE.format(name="favor_mcq", refs=REFERENCES), tmp_path)
    assert after.returncode == 0, after.stderr
    scores = json.loads(after.stdout.strip().splitlines()[-1])
    assert scores["ALL"] == 50.0 and scores["SAD"] == 100.0 and scores["CM"] == 0.0


def test_bare_name_fails_unregistered_and_load_metric_registers_on_first_use(tmp_path):
    code = (
        "import evaluate, json, favor_hf.hub_metrics as h\n"
        "try:\n    evaluate.load('favor_mcq')\nexcept FileNotFoundError as err:\n    print('unregistered:', err)\n"
        "m = h.load_metric('favor_mcq')\n"
        f"print(json.dumps(m.compute(predictions=['Sits down', 'Stationary'], references={REFERENCES!r})))"
    )
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("unregistered:") and "favor_mcq" in lines[0]
    assert json.loads(lines[-1])["ALL"] == 50.0


def test_caption_module_loads_by_bare_name(tmp_path):
    if "favor_caption" not in available_metrics():
        pytest.skip("metrics/favor_caption/favor_caption.py does not exist yet (written by the caption metric work)")
    assert run_python("", tmp_path, "-m", "favor_hf", "install-metrics").returncode == 0
    result = run_python(
        "import evaluate; m = evaluate.load('favor_caption'); print(type(m).__name__, m.name)", tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "favor_caption" in result.stdout.strip().splitlines()[-1]


def test_modules_cache_matches_evaluate_config():
    import evaluate.config

    assert hf_modules_cache() == Path(evaluate.config.HF_MODULES_CACHE)


def test_reinstall_replaces_older_copies_and_is_idempotent(tmp_path):
    entry = tmp_path / "evaluate_modules" / "metrics" / "evaluate-metric--favor_mcq"
    stale = entry / ("0" * 64)
    stale.mkdir(parents=True)
    (stale / "favor_mcq.py").write_text("raise RuntimeError('favor-hf 0.0.1 module')\n")
    installed = install_metrics(["favor_mcq"], cache=tmp_path)["favor_mcq"]
    assert not stale.exists()
    assert [p.name for p in entry.iterdir() if p.is_dir()] == [installed.parent.name]
    assert installed.read_bytes() == (metrics_dir() / "favor_mcq" / "favor_mcq.py").read_bytes()
    assert json.loads(installed.with_suffix(".json").read_text())["original file path"].endswith("favor_mcq.py")
    mtime = installed.stat().st_mtime_ns
    assert install_metrics(["favor_mcq"], cache=tmp_path)["favor_mcq"] == installed
    assert installed.stat().st_mtime_ns == mtime
    assert install_metrics(["favor_mcq"], cache=tmp_path, force=True)["favor_mcq"] == installed


GIT_REQUIREMENT = "favor-hf @ git+https://github.com/favor-test-org/favor-hf@0123abc"


def test_push_metrics_offline_says_what_to_do(tmp_path):
    result = run_python(
        "",
        tmp_path,
        *("-m", "favor_hf", "push-metrics", "--org", "favor-test-org", "--name", "favor_mcq"),
        *("--requirement", GIT_REQUIREMENT),
    )
    assert result.returncode == 1
    assert "favor-test-org/favor_mcq" in result.stderr and "HF_HUB_OFFLINE" in result.stderr


def test_push_metrics_refuses_a_favor_hf_no_index_has(tmp_path):
    result = run_python("", tmp_path, "-m", "favor_hf", "push-metrics", "--org", "favor-test-org")
    assert result.returncode == 1
    assert "'favor-hf[caption]', which no package index has: pass --requirement" in result.stderr
    assert "requirement=" not in result.stderr
    for bad, reason in [
        ("favor-hf", "is a bare name"),
        ("favor-hf @ file:///tmp/favor_hf.whl", "is a local file"),
        ("numpy @ git+https://github.com/numpy/numpy", "names 'numpy', not favor-hf"),
        ("favor-hf @", "is not a pip requirement"),
    ]:
        with pytest.raises(MetricRegistrationError, match=re.escape(reason)):
            push_metrics("favor-test-org", requirement=bad)


def test_push_metrics_writes_the_requirement_given(tmp_path):
    """The folder push_metrics uploads holds a requirements.txt whose favor-hf line is the one given."""
    from packaging.requirements import Requirement

    from favor_hf.hub_metrics import _space_folder, space_requirements

    for name, extra in [("favor_caption", "caption"), ("favor_mcq", "mcq")]:
        folder = _space_folder(name, space_requirements(name, GIT_REQUIREMENT), tmp_path)
        lines = (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()
        requirements = [Requirement(line) for line in lines if line.strip()]
        ours = [r for r in requirements if r.name == "favor-hf"]
        assert len(ours) == 1 and ours[0].extras == {extra}
        assert ours[0].url == "git+https://github.com/favor-test-org/favor-hf@0123abc"
        assert "evaluate" in {r.name for r in requirements}
        assert (folder / f"{name}.py").read_text() == (metrics_dir() / name / f"{name}.py").read_text()
    # the module's own file is left as it was
    assert "favor-hf[mcq]" in (metrics_dir() / "favor_mcq" / "requirements.txt").read_text().splitlines()


def test_unknown_module_is_named(tmp_path):
    with pytest.raises(
        MetricRegistrationError, match=r"no evaluate module 'favor_bleu' \(looked for .*\); available: .*favor_mcq"
    ):
        install_metrics(["favor_bleu"], cache=tmp_path)


def test_wheel_carries_the_metric_modules(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(
        REPO,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", ".pytest_cache"),
    )
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("favor_hf-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for file in ("favor_mcq.py", "README.md", "app.py", "requirements.txt"):
        assert f"favor_hf/_metrics/favor_mcq/{file}" in names
    for module in available_metrics():  # every file of every module folder, as in the source tree
        for file in (REPO / "metrics" / module).iterdir():
            if file.is_file() and file.suffix != ".pyc":
                assert f"favor_hf/_metrics/{module}/{file.name}" in names
