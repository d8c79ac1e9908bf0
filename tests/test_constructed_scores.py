"""Every regular registry language's constructed network scores perfectly (issue 40's ground truth): agreement,
Myhill–Nerode compression and distinction, k_means_8's centroid and member IIA, lr's weighted ambiguity; its
random-vector control stays below 0.9 where the automaton has more than two states. The Mealy machines are
scored over the non-empty suffixes (docs/faithfulness.md)."""
import pytest

import stateclusters
from stateclusters.automata import automaton_kind, get_automaton, regular_automaton_names

pytestmark = pytest.mark.usefixtures("one_thread")
LANGUAGES = list(regular_automaton_names())


def test_every_regular_language_is_tested_the_mealy_machines_with_them():
    kinds = {automaton_kind(get_automaton(name)) for name in LANGUAGES}
    assert len(LANGUAGES) >= 62 and kinds == {"dfa", "moore", "mealy"}


@pytest.mark.parametrize("name", LANGUAGES)
def test_a_constructed_network_scores_perfectly(name):
    automaton = get_automaton(name)
    network = stateclusters.construct_network(automaton)
    words = stateclusters.draw_words(automaton, n_words=200, seed=0)
    assert stateclusters.agreement(network, automaton, words) == 1.0
    behaviour = stateclusters.myhill_nerode_scores(network, automaton, words)
    assert (behaviour.compression, behaviour.distinction_precision, behaviour.distinction_recall) == (1.0, 1.0, 1.0)
    interventions = stateclusters.interchange_scores(network, automaton, words, functions=["k_means_8"])
    k_means_8 = interventions.functions["k_means_8"]
    assert (k_means_8.centroid_iia, k_means_8.member_iia) == (1.0, 1.0)
    if len(automaton.states) > 2:
        assert interventions.random < 0.9
    states = stateclusters.state_labels(automaton, words)
    probe = stateclusters.Abstraction("lr", n_states=len(automaton.states)).fit(
        stateclusters.hidden_states(network, words), states)
    assert stateclusters.ambiguity_score(states, probe.labels_)["wamb"] == 0.0
