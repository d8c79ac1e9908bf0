"""Every regular registry language's constructed network scores perfectly (issue 40's ground truth): agreement,
Myhill–Nerode compression and distinction, k_means_8's centroid and member IIA, lr's weighted ambiguity; its
random-vector control stays below 0.9 where the automaton has more than two states. Mealy machines get ambiguity
only (their output is not a state's), so they are left out here."""
import pytest

import stateclusters
from stateclusters.automata import automaton_kind, get_automaton, regular_automaton_names

pytestmark = pytest.mark.usefixtures("one_thread")
LANGUAGES = [name for name in regular_automaton_names() if automaton_kind(get_automaton(name)) != "mealy"]


def test_every_regular_language_has_moore_or_dfa_languages_to_test():
    assert len(LANGUAGES) >= 60


@pytest.mark.parametrize("name", LANGUAGES)
def test_a_constructed_network_scores_perfectly(name):
    automaton = get_automaton(name)
    words = stateclusters.draw_words(automaton, n_words=200, seed=0)
    report = stateclusters.analyse(stateclusters.construct_network(automaton), automaton, words,
                                   functions=["k_means_8", "lr"]).report
    scores = report["faithfulness"]
    interventions = scores["interventions"]
    assert report["agreement"] == 1.0 and report["functions"]["lr"]["wamb"] == 0.0
    assert (scores["compression"], scores["distinction_precision"], scores["distinction_recall"]) == (1.0, 1.0, 1.0)
    assert interventions["functions"]["k_means_8"] == {"centroid_iia": 1.0, "member_iia": 1.0}
    if len(automaton.states) > 2:
        assert interventions["controls"]["random"] < 0.9
