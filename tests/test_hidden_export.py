"""driver.py --export-hidden: the .npz round trip against the evaluation's own vectors, traces and clusterings."""
import numpy as np
import pytest

from stateclusters.ambiguity.agreement import agreement_scores
from stateclusters.analyses.hidden_export import NO_LETTER, load_hidden_export
from stateclusters.automata import get_automaton
from stateclusters.base.errors import UserError
from stateclusters.commands import driver
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.networks.recurrent import load_checkpoint, prefix_predictions

TINY = ["--hidden", "6", "--epochs", "2", "--train-words", "300", "--validation-words", "60",
        "--conformance-words", "50"]


def export(tmp_path, *arguments) -> tuple:
    path = tmp_path / "out" / "hidden.npz"
    assert driver.main([*arguments, *TINY, "--checkpoint-dir", str(tmp_path), "--export-hidden", str(path)]) == 0
    return load_hidden_export(path), path


def test_pda_export_round_trip(tmp_path, capsys):
    exported, path = export(tmp_path, "--automaton", "CFG_L_1", "--rnn", "gru", "--labeling", "stack_size",
                            "--function", "k_means", "--export-functions", "lda,DBSCAN,k_means")
    printed = capsys.readouterr().out
    automaton = get_automaton("CFG_L_1")
    model, _ = load_checkpoint(tmp_path / "CFG_L_1_gru_1_6_1.pt")
    data = NetworkData(model, automaton, n_validation_words=60)
    validation, vectors, trace = data.validation, data.hidden_states, data.validation_trace
    n = len(vectors)
    assert f"exported {n} hidden states with the labels of 3 function(s) to {path}" in printed
    assert exported.vectors.dtype == np.float32 and np.array_equal(exported.vectors.astype(np.float64), vectors)
    assert exported.metadata == {"automaton": "CFG_L_1", "rnn": "gru", "hidden": 6, "layers": 1, "seed": 0,
                                 "labeling": "stack_size"}
    assert list(exported.alphabet) == list(validation.alphabet)
    # Each row names its word and prefix length, and its prefix is that word's beginning.
    assert np.array_equal(np.bincount(exported.word_index, minlength=len(validation)), validation.lengths)
    for row in range(0, n, 7):
        word = validation.word(exported.word_index[row])
        assert exported.prefix_letters(row) == word[:exported.position[row]]
        assert (exported.prefix[row, exported.position[row]:] == NO_LETTER).all()
    mask = trace.valid()
    assert np.array_equal(exported.state, trace.states[mask])
    assert np.array_equal(exported.state_labels, trace.state_labels("stack_size"))
    assert np.array_equal(exported.stack_height, trace.stack_heights[mask])
    assert np.array_equal(exported.stack_top, trace.stack_tops[mask])
    assert np.array_equal(exported.output, trace.outputs[mask])
    predicted = np.asarray(model.config.output_classes)[prefix_predictions(model, validation.letters)[mask]]
    assert np.array_equal(exported.predicted, predicted)
    # The exported labels are each function's clustering; --function comes first and is not repeated.
    assert list(exported.labels) == ["k_means", "lda", "DBSCAN"]
    labels = trace.state_labels("stack_size")
    for name, cluster_labels in exported.labels.items():
        # Fitted alone, without the clusterings the driver shares between functions.
        expected = data.abstraction(name, "stack_size").fit_predict(vectors, labels)
        assert np.array_equal(cluster_labels, expected), name
    # The printed agreement line is the one of --function's labels.
    nmi = agreement_scores(labels, exported.labels["k_means"])["nmi"]
    assert f"agreement: nmi {nmi:.4f}" in printed
    assert [file.name for file in path.parent.iterdir()] == ["hidden.npz"]   # no temp file left


def test_regular_export_has_no_stack_arrays(tmp_path):
    exported, path = export(tmp_path, "--automaton", "tomita5", "--function", "k_means")
    assert exported.stack_height is None and exported.stack_top is None
    assert list(exported.labels) == ["k_means"]
    with np.load(path, allow_pickle=False) as data:   # plain numpy reads it too
        assert {"vectors", "word_index", "position", "prefix", "state", "labels_k_means"} <= set(data.files)
        assert len(data["position"]) == len(data["vectors"]) == len(data["labels_k_means"])


def test_export_functions_without_export_file_is_a_user_error():
    with pytest.raises(UserError, match="--export-hidden"):
        driver.main(["--export-functions", "lda"])
