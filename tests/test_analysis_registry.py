"""An optional analysis is one module and one row: a fake one shows up in the flags, records, files and statistics."""
import pickle

import pytest

from stateclusters.analyses import registry
from stateclusters.base.keys import NetworkId
from stateclusters.commands import experiment_runner, statistics_computation
from stateclusters.results.files import job_path

FAKE_MODULE = '''
def settings(options):
    return [options["fake_scale"]]

def run(data, spec):
    return float(len(data.hidden_states)) * spec.analysis_settings()["fake_scale"]

def is_valid(merged):
    return isinstance(merged, dict) and all(isinstance(value, float) for value in merged.values())

def summary_lines(merged, view):
    keys = [key for keys in view.keys_by_set.values() for key in keys if key in merged]
    return [f"fake vector count, {len(keys)} networks: {sum(merged[key] for key in keys):.0f}"]
'''
FAKE = registry.Analysis("fake_count", "fake_count", "fake_count.pickle", "fake_count_analysis",
                         "also count the validation vectors, times --fake-scale",
                         options=(registry.Option("fake_scale", 1, "a factor"),), per_labeling=False)
SLICE = ["--languages", "tomita1", "--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--epochs", "1",
         "--train-words", "200", "--validation-words", "40", "--conformance-words", "40", "--functions", "k_means_8"]


@pytest.fixture
def with_fake_analysis(tmp_path, monkeypatch):
    (tmp_path / "fake_count_analysis.py").write_text(FAKE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "ANALYSES", (*registry.ANALYSES, FAKE))


def test_a_registered_analysis_is_a_flag_a_record_field_a_merged_file_and_a_summary(with_fake_analysis, tmp_path,
                                                                                      capsys):
    with pytest.raises(SystemExit):
        experiment_runner.main(["--help"])
    assert "--fake-count" in capsys.readouterr().out
    out = tmp_path / "grid"
    assert experiment_runner.main(SLICE + ["--out", str(out), "--fake-count", "--fake-scale", "3"]) == 0
    network = NetworkId("tomita1", "gru", 1, 4, 1)
    record = pickle.loads(job_path(out, network.name).read_bytes())
    assert record["settings"]["fake_count"] == [3]
    assert record["fake_count"] == 3.0 * record["n_vectors"] > 0
    assert pickle.loads((out / "fake_count.pickle").read_bytes()) == {network.key("regular"): record["fake_count"]}
    capsys.readouterr()
    assert statistics_computation.main(["--results", str(out), "--figures", str(tmp_path / "figures")]) == 0
    assert f"fake vector count, 1 networks: {record['fake_count']:.0f}" in capsys.readouterr().out


def test_a_rerun_without_the_analysis_keeps_the_record_and_its_file(with_fake_analysis, tmp_path):
    out = tmp_path / "grid"
    assert experiment_runner.main(SLICE + ["--out", str(out), "--fake-count"]) == 0
    before = job_path(out, "tomita1_gru_1_4_1").read_bytes()
    assert experiment_runner.main(SLICE + ["--out", str(out)]) == 0
    assert job_path(out, "tomita1_gru_1_4_1").read_bytes() == before
    assert (out / "fake_count.pickle").exists()
