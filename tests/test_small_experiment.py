import pickle

import run_small_experiment
from clustering import FUNCTION_NAMES


def test_small_experiment_on_the_shipped_networks(tmp_path, capsys):
    assert run_small_experiment.main(["--out", str(tmp_path)]) == 0
    accuracy = pickle.loads((tmp_path / "accuracy.pickle").read_bytes())
    ambiguity = pickle.loads((tmp_path / "ambiguity.pickle").read_bytes())
    # 6 regular networks with one labeling, 2 PDAs with two.
    assert len(accuracy) == 10 and set(accuracy) == set(ambiguity)
    assert "coffee_gru_1_56_1_regular" in accuracy and "CFG_L_13_gru_1_30_1_stack_size" in accuracy
    # Every shipped network, the Mealy machines included, passes the conformance test.
    assert min(accuracy.values()) >= 0.99, accuracy
    for key, functions in ambiguity.items():
        assert set(functions) <= set(run_small_experiment.SMALL_FUNCTIONS) <= set(FUNCTION_NAMES)
        for amb, wamb, worst, best, n_clusters in functions.values():
            assert 0 <= best <= amb <= worst <= 1 and 0 <= wamb <= 1 and n_clusters >= 1
    # A perfectly trained tomita1 network separates its two states linearly.
    assert ambiguity["tomita1_gru_1_8_1_regular"]["lr"][1] == 0.0
    # scores.pickle holds the agreement scores of the same keys and functions.
    scores = pickle.loads((tmp_path / "scores.pickle").read_bytes())
    assert {key: set(functions) for key, functions in scores.items()} == \
        {key: set(functions) for key, functions in ambiguity.items()}
    assert scores["tomita1_gru_1_8_1_regular"]["lr"]["purity"] == 1.0
