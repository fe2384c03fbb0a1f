"""Results of other toolkits (VLMEvalKit, the official script, lmms-eval) read, scored and converted;
the benchmark folder VLMEvalKit reads."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from favor_hf.cli import main
from favor_hf.data.favor_json import load_video_records
from favor_hf.integrations import convert_results, detect_format, load_results
from favor_hf.integrations.mcq_conventions import judge_table
from favor_hf.integrations.vlmevalkit import (
    TSV_COLUMNS,
    model_and_sampling,
    read_predictions,
    tsv_rows,
)
from favor_hf.mcq import mcq_accuracy
from favor_hf.results import read_results
from favor_hf.synth import make_synthetic_benchmark


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    return make_synthetic_benchmark(tmp_path_factory.mktemp("synth") / "synth", n=4, seed=3)


@pytest.fixture(scope="module")
def records(bench):
    """The validated video records of the synthetic data directory (with question keys and clip paths)."""
    return load_video_records(bench.root)


def _answers(rows):
    """Right, wrong, hedged, letter-only and empty answers, in turn."""
    out = []
    for i, row in enumerate(rows):
        options = ast.literal_eval(row["options"])
        wrong = next(o for o in options if o != row["correct_answer"])
        out.append([row["correct_answer"], wrong, f"{row['correct_answer']} or {wrong}", "(B)", None][i % 5])
    return out


@pytest.fixture(scope="module")
def predictions(records):
    rows = tsv_rows(records)
    return pd.DataFrame(rows).assign(prediction=_answers(rows))


def _questions(records):
    return [q for r in records for q in r["questions"]]


def _expected(records, answers, **kwargs):
    refs = [{k: q[k] for k in ("correct_answer", "options", "task_type")} for q in _questions(records)]
    return mcq_accuracy(answers, refs, **kwargs)


def test_vlmevalkit_xlsx_scores_like_favor_hf(records, predictions, tmp_path, capsys):
    path = tmp_path / "Qwen2.5-VL-7B_FAVOR-Bench_1fps.xlsx"
    predictions.to_excel(path, index=False)
    assert detect_format(path) == "vlmevalkit"
    lines = load_results(path)
    assert [r["id"] for r in lines] == [q["question_key"] for q in _questions(records)]
    assert {(r["model"], r["sampling"]) for r in lines} == {("Qwen2.5-VL-7B", "vlmevalkit:fps=1")}
    assert lines[4]["output"] == ""  # an empty cell is an empty answer, not "nan"
    answers = ["" if pd.isna(a) else a for a in predictions["prediction"].tolist()]
    table = judge_table(lines)
    assert table["official"] == _expected(records, answers)
    assert table["strict"] == _expected(records, answers, judge="strict")
    assert table["official_full_counts"] == _expected(records, answers, full_counts=True)
    assert table["official"]["hedged"] > 0
    assert main(["score", "--results", str(path)]) == 0
    out = capsys.readouterr().out
    assert "model Qwen2.5-VL-7B | task mcq | sampling vlmevalkit:fps=1" in out
    assert f"ALL   {table['official']['ALL']:.2f}" in out and "/8184" in out


def test_vlmevalkit_tsv_and_judge_file(predictions, tmp_path):
    tsv = tmp_path / "m_FAVOR-Bench_16frame.tsv"
    predictions.drop(columns=["question_id", "correct_answer"]).to_csv(tsv, sep="\t", index=False)
    judged = tmp_path / "m_FAVOR-Bench_16frame_judge.xlsx"
    predictions.assign(judge=True).to_excel(judged, index=False)
    from_tsv, from_judge = load_results(tsv), load_results(judged)
    assert from_tsv[0]["sampling"] == "vlmevalkit:frames=16"
    # without question_id the position within each video is counted; 'answer' stands in for correct_answer
    assert [r["id"] for r in from_tsv] == [r["id"] for r in from_judge]
    assert [r["reference"] for r in from_tsv] == [r["reference"] for r in from_judge]


def test_vlmevalkit_bad_input_names_file_row_and_field(predictions, tmp_path):
    missing = tmp_path / "a_FAVOR-Bench.xlsx"
    predictions.drop(columns=["prediction"]).to_excel(missing, index=False)
    with pytest.raises(ValueError, match=r"a_FAVOR-Bench.xlsx: no column 'prediction'"):
        read_predictions(missing)
    bad = predictions.copy()
    bad.loc[2, "options"] = "['unclosed"
    path = tmp_path / "b_FAVOR-Bench.xlsx"
    bad.to_excel(path, index=False)
    with pytest.raises(ValueError, match=r"b_FAVOR-Bench.xlsx: row 4 \(index 2\): field 'options'"):
        read_predictions(path)
    bad = predictions.copy()
    bad.loc[1, "task_type"] = "XYZ"
    bad.to_excel(path, index=False)
    with pytest.raises(ValueError, match=r"row 3 \(index 1\): field 'task_type' is 'XYZ'"):
        read_predictions(path)


def test_model_and_sampling_from_file_names():
    assert model_and_sampling("GPT-4o_FAVOR-Bench_64frame.xlsx") == ("GPT-4o", "vlmevalkit:frames=64")
    assert model_and_sampling("InternVL3_FavorBench_0.5fps_judge.xlsx") == ("InternVL3", "vlmevalkit:fps=0.5")
    assert model_and_sampling("results.xlsx") == ("results", "vlmevalkit")


def test_upstream_output_qa_needs_the_data_dir(bench, records, tmp_path, capsys):
    path = tmp_path / "Model.jsonl"
    answers = []
    with open(path, "w") as f:
        for record in records:
            entries = []
            for k, q in enumerate(record["questions"]):
                output = q["correct_answer"] if k % 2 == 0 else q["options"][-1]
                answers.append(output)
                entries.append(
                    {
                        "task_type": q["task_type"],
                        "correct_answer": q["correct_answer"],
                        "output": output,
                        "judge": output == q["correct_answer"],
                    }
                )
            f.write(json.dumps({record["video_name"]: entries}) + "\n")
    assert detect_format(path) == "upstream"
    with pytest.raises(ValueError, match="pass --data-dir"):
        load_results(path)
    assert main(["score", "--results", str(path)]) == 1
    assert "--data-dir" in capsys.readouterr().err
    lines = load_results(path, data_dir=bench.root)
    assert judge_table(lines)["official"] == _expected(records, answers)
    assert lines[0]["model"] == "Model" and lines[0]["source"]["format"] == "upstream"


def test_upstream_output_qa_is_checked_against_the_data_dir(bench, records, tmp_path):
    path = tmp_path / "Model.jsonl"
    entries = [
        {"task_type": q["task_type"], "correct_answer": q["correct_answer"], "output": "x", "judge": False}
        for q in records[0]["questions"]
    ]
    path.write_text(json.dumps({f"{records[0]['video_name']}.mp4": entries}) + "\n", encoding="utf-8")
    assert [line["id"] for line in load_results(path, data_dir=bench.root)] == [
        q["question_key"] for q in records[0]["questions"]
    ]
    entries[0]["correct_answer"] = "not an option"
    path.write_text(json.dumps({records[0]["video_name"]: entries}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="entry 0: field 'correct_answer' 'not an option' differs"):
        load_results(path, data_dir=bench.root)
    path.write_text(json.dumps({"nope": entries}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="video 'nope' is not in the question file.*pass the --data-dir"):
        load_results(path, data_dir=bench.root)


@pytest.mark.filterwarnings("ignore::favor_hf.data.favor_json.FavorDataWarning")
def test_convert_caption_scoring_error_names_the_flag(tmp_path):
    from test_stats import run_random, write_bench

    run = run_random(write_bench(tmp_path / "bench", 2), tmp_path / "caption.jsonl", 0, task="caption")
    out = tmp_path / "converted.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "favor_hf",
            "convert",
            str(run),
            "--out",
            str(out),
            "--caption-model",
            "nobody/no-such-model",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 1 and "(--caption-model)" in done.stderr and "model_name=" not in done.stderr
    assert out.is_file() and f"favor-hf score --results {out}" in done.stderr


def test_convert_merges_toolkit_files_into_one_favor_file(bench, records, predictions, tmp_path, capsys):
    half = len(predictions) // 2
    first, second = tmp_path / "M_FAVOR-Bench_1fps.xlsx", tmp_path / "M_FAVOR-Bench_1fps_part2.tsv"
    predictions.iloc[:half].to_excel(first, index=False)
    predictions.iloc[half:].to_csv(second, sep="\t", index=False)
    out = tmp_path / "m.jsonl"
    code = main(["convert", str(first), str(second), "--data-dir", str(bench.root), "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}: {len(predictions)} items from 2 file(s) (vlmevalkit)" in printed
    assert "official %  strict %" in printed
    lines = read_results(out).records
    assert [r["id"] for r in lines] == [q["question_key"] for q in _questions(records)]
    assert main(["score", "--results", str(out)]) == 0  # a favor-hf file now: scored as any run
    assert "0 not run" in capsys.readouterr().out
    # the same item twice, or another model, is refused
    with pytest.raises(ValueError, match="is in both"):
        convert_results([first, first], tmp_path / "x.jsonl")
    other = tmp_path / "Other_FAVOR-Bench_1fps.xlsx"
    predictions.iloc[half:].to_excel(other, index=False)
    with pytest.raises(ValueError, match="model 'Other' differs"):
        convert_results([first, other], tmp_path / "x.jsonl")
    assert main(["convert", str(first), "--out", str(out)]) == 2  # a usage error
    assert "exists; pass --overwrite" in capsys.readouterr().err


def test_unknown_format_is_an_error(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(ValueError, match="not a results file favor-hf reads"):
        load_results(path)


def test_export_for_vlmevalkit(bench, records, tmp_path, capsys):
    out = tmp_path / "lmudata"
    assert main(["export", "--data-dir", str(bench.root), "--out", str(out), "--format", "vlmevalkit"]) == 0
    assert f"export LMUData={out.resolve()}" in capsys.readouterr().out
    folder = out / "FAVOR-Bench"
    table = pd.read_csv(folder / "FAVOR-Bench.tsv", sep="\t")
    assert tuple(table.columns) == TSV_COLUMNS
    questions = _questions(records)
    assert len(table) == len(questions)
    assert [ast.literal_eval(o) for o in table["options"]] == [q["options"] for q in questions]
    assert table["answer"].tolist() == [q["correct_answer"] for q in questions]
    # VLMEvalKit rebuilds the TSV when its source JSON is newer, and opens videos/<video>.mp4
    assert (folder / "FAVOR-Bench.tsv").stat().st_mtime > (folder / "video_perspective.json").stat().st_mtime
    source = json.loads((folder / "video_perspective.json").read_text())
    assert [r["video_name"] for r in source] == [r["video_name"] for r in records]
    for name in set(table["video"]):
        assert (folder / "videos" / f"{name}.mp4").read_bytes() == (
            bench.root / "videos" / "FAVOR-Bench" / f"{name}.mp4"
        ).read_bytes()
    # a prediction file made from this TSV reads back with the data directory's ids
    path = tmp_path / "m_FAVOR-Bench.xlsx"
    table.assign(prediction=table["answer"]).to_excel(path, index=False)
    assert judge_table(load_results(path, data_dir=bench.root))["official"]["ALL"] == 100.0
    assert main(["export", "--data-dir", str(bench.root), "--out", str(out), "--format", "vlmevalkit"]) == 2
    assert "--overwrite" in capsys.readouterr().err


def test_same_answers_score_the_same_from_every_toolkit(bench, records, tmp_path, capsys):
    """One run's answers written as favor-hf JSONL, VLMEvalKit xlsx and output_qa give identical scores."""
    run = tmp_path / "random.jsonl"
    assert (
        main(
            [
                "run",
                "--model",
                "random:0",
                "--data-dir",
                str(bench.root),
                "--out",
                str(run),
                "--frames",
                "8",
                "--no-score",
            ]
        )
        == 0
    )
    answers = {r["id"]: r["output"] for r in read_results(run).records}
    keys = [q["question_key"] for q in _questions(records)]
    xlsx = tmp_path / "Random_FAVOR-Bench_8frame.xlsx"
    rows = tsv_rows(records)
    pd.DataFrame(rows).assign(prediction=[answers[k] for k in keys]).to_excel(xlsx, index=False)
    upstream = tmp_path / "Random.jsonl"
    with open(upstream, "w") as f:
        for record in records:
            entries = [
                {
                    "task_type": q["task_type"],
                    "correct_answer": q["correct_answer"],
                    "output": answers[q["question_key"]],
                    "judge": False,
                }
                for q in record["questions"]
            ]
            f.write(json.dumps({record["video_name"]: entries}) + "\n")
    tables = [judge_table(load_results(path, data_dir=bench.root)) for path in (run, xlsx, upstream)]
    assert tables[0] == tables[1] == tables[2]
    assert tables[0]["official"]["counts"]["ALL"] == len(keys)


def test_summary_files_point_at_the_per_item_files(tmp_path):
    lmms = tmp_path / "20261130_190513_results.json"
    lmms.write_text(json.dumps({"results": {"favor_bench_mcq": {"ALL,none": 50.0}}, "config": {}}, indent=2))
    with pytest.raises(ValueError, match="rerun lmms-eval with --log_samples"):
        load_results(lmms)
    score = tmp_path / "M_FAVOR-Bench_1fps_score.json"
    score.write_text(json.dumps({"ALL": 40.0, "AS": 35.5}, indent=2))
    with pytest.raises(ValueError, match="VLMEvalKit score file"):
        load_results(score)


def test_task_pack_functions(bench, records, tmp_path, monkeypatch):
    """What lmms-eval calls, without lmms-eval: docs, prompt, clip, per-sample lines and aggregations."""
    from favor_hf.integrations import lmms_eval_tasks as pack
    from favor_hf.prompts import mcq_prompt

    monkeypatch.setenv("FAVOR_DATA_DIR", str(bench.root))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    docs = pack.mcq_docs(None)
    questions = _questions(records)
    assert [d["question_key"] for d in docs] == [q["question_key"] for q in questions]
    doc = docs[0]
    assert pack.mcq_doc_to_text(doc) == mcq_prompt(questions[0]["question"], questions[0]["options"])
    assert pack.mcq_doc_to_text(doc, {"pre_prompt": "P:", "post_prompt": ""}).startswith("P:Carefully watch")
    [message] = pack.mcq_doc_to_messages(doc)
    assert message["content"][0] == {"type": "video", "url": records[0]["video_path"]}
    with pytest.raises(FileNotFoundError, match=f"{doc['video_name']!r} has no clip"):
        pack.doc_to_visual({**doc, "video_path": None})
    right = pack.mcq_process_results(doc, [doc["correct_answer"]])
    hedge = pack.mcq_process_results(doc, [" or ".join(doc["options"][:2])])
    failed = pack.mcq_process_results(docs[1], ["[LMMS_EVAL_REQUEST_FAILED after 5 retries] Connection error."])
    assert right["favor_hf"]["error"] is None and failed["favor_hf"]["error"].startswith("[LMMS_EVAL_REQUEST_FAILED")
    assert right["AS"] == {
        "task_type": doc["task_type"],
        "failed": False,
        "official": True,
        "strict": True,
        "hedged": False,
    }
    verdicts = [right["ALL"], failed["ALL"]]
    assert pack.mcq_aggregate_ALL(verdicts) == 100.0  # the failed request is counted apart, not scored
    assert pack.mcq_aggregate_failed(verdicts) == 1.0
    assert pack.mcq_aggregate_NSM(verdicts) != pack.mcq_aggregate_NSM(verdicts)  # nan: no NSM question
    assert pack.mcq_aggregate_hedged([right["ALL"], hedge["ALL"]]) == 1.0
    captions = pack.caption_docs(None)
    assert [d["video_name"] for d in captions] == [r["video_name"] for r in records]
    assert pack.caption_process_results(captions[0], ["A caption."])["final_score"]["task"] == "caption"


def test_vlmevalkit_numeric_looking_cells_stay_text(tmp_path):
    table = pd.DataFrame(
        {
            "index": [0, 1],
            "question_id": [0, 0],
            "video": ["00123", "00124"],
            "task_type": ["CM", "AS"],
            "options": ["['1', '2']", "['1', '2']"],
            "answer": ["1", "2"],
            "prediction": ["2", None],
        }
    )
    path = tmp_path / "m_FAVOR-Bench.xlsx"
    table.to_excel(path, index=False)
    lines = read_predictions(path)
    assert [(r["id"], r["output"], r["reference"]["correct_answer"]) for r in lines] == [
        ("00123_1", "2", "1"),
        ("00124_1", "", "2"),
    ]


def test_lmms_eval_tasks_command_prints_the_pack(capsys):
    from favor_hf.integrations import lmms_eval_tasks_path

    assert main(["lmms-eval-tasks"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == lmms_eval_tasks_path() and (Path(printed) / "favor_bench" / "favor_bench_mcq.yaml").is_file()
