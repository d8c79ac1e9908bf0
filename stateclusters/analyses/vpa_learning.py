"""Active learning of a visibly pushdown automaton (AALpy's KV for 1-SEVPAs) from a network trained on a PDA.

AALpy learns a VPA only when every letter is a call (always pushes), a return (always pops) or internal
(never touches the stack). That partition is read from our own PDA's rules; it fits every benchmark
language except CFG_L_6, whose c pushes two symbols and f pops two. The network's "True"/"False" after a
prefix is the SUL's accept/reject, as a SEVPA accepts in an accepting state with an empty stack, the same
condition as our PDAs'. Equivalence queries use words drawn like the training words (length 1–30, biased
toward letters that keep the PDA alive): uniform random words end in the PDA's error state within a few
letters and would rarely show the learner an accepted word. There is no equivalence check of a learned
VPA with the PDA; it is compared by agreement after every prefix of the conformance words.
"""
import time

import numpy as np
from aalpy.automata import SevpaAlphabet

from stateclusters.analyses.active_learning import (
    EQ_WORDS,
    MAX_EQ_LENGTH,
    MAX_ROUNDS,
    MEMBERSHIP_QUERIES,
    MIN_EQ_LENGTH,
    LearningReport,
    run_counts,
    run_learning,
)
from stateclusters.analyses.cluster_automaton import word_agreement
from stateclusters.analyses.extraction import ExtractionInputs
from stateclusters.networks.recurrent import RecurrentClassifier
from stateclusters.words.sampling import live_words

# (pushed, popped) of a letter's rules -> its class in a VPA alphabet
LETTER_CLASSES = {(1, 0): "call", (0, 1): "return", (0, 0): "internal"}


def vpa_alphabet(automaton) -> SevpaAlphabet | str:
    """The PDA's letters as calls, returns and internal letters, or why they cannot be split so."""
    effects: dict[str, set] = {}
    for (_, letter), rule in automaton.rules().items():
        effects.setdefault(letter, set()).add((rule.n_pushed, rule.n_popped))
    classes = {}
    for letter, seen in sorted(effects.items()):
        if len(seen) != 1 or next(iter(seen)) not in LETTER_CLASSES:
            return (f"no VPA alphabet: letter {letter!r} has stack effects (pushed, popped) {sorted(seen)}; "
                    "a VPA letter always pushes one symbol, always pops one, or never touches the stack")
        classes[letter] = LETTER_CLASSES[next(iter(seen))]
    unused = sorted(set(automaton.get_input_alphabet()) - set(classes))
    classes.update(dict.fromkeys(unused, "internal"))   # letters no rule reads lead to the error state
    return SevpaAlphabet(*([letter for letter, kind in sorted(classes.items()) if kind == wanted]
                           for wanted in ("internal", "call", "return")))


def live_word_drawer(automaton, seed: int):
    """A drawer of n words of length 1–30 drawn like the training words, from a generator seeded by `seed`."""
    rng = np.random.default_rng(seed)

    def draw(n_words: int) -> list[tuple]:
        words = live_words(automaton, n_words, MIN_EQ_LENGTH, MAX_EQ_LENGTH, seed=int(rng.integers(2 ** 32)))
        return [words.word(i) for i in range(len(words))]
    return draw


def sevpa_prefix_outputs(sevpa, letters: np.ndarray, alphabet) -> np.ndarray:
    """The SEVPA's accept/reject ("True"/"False") after every prefix of padded letter-index words."""
    outputs = np.empty(letters.shape, dtype=object)
    for row, word in enumerate(letters.tolist()):
        sevpa.reset_to_initial()
        outputs[row] = [str(sevpa.step(alphabet[letter])) for letter in word]
    return outputs.astype(str)


def vpa_learning_report(model: RecurrentClassifier, automaton, inputs: ExtractionInputs, seed: int = 0,
                        eq_words: int = EQ_WORDS, max_rounds: int = MAX_ROUNDS,
                        max_queries: int = MEMBERSHIP_QUERIES) -> LearningReport | str:
    """Learn a 1-SEVPA from the network with KV and compare it on the conformance words; or why not."""
    alphabet = vpa_alphabet(automaton)
    if isinstance(alphabet, str):
        return alphabet
    start = time.perf_counter()
    try:
        learned, info, sul = run_learning(model, "vpa", alphabet, lambda name: name == "True",
                                          automaton.initial_state.is_accepting, live_word_drawer(automaton, seed),
                                          "kv", seed, eq_words, max_rounds, max_queries)
    except AssertionError:
        # AALpy's KV splits a counterexample at a return letter; a network whose answers no 1-SEVPA gives
        # can hand it one without, and its assertion stops the run. That is this network's result.
        return ("AALpy's KV stopped on a counterexample it cannot split at a return letter "
                "(the network's answers are not those of a 1-SEVPA)")
    seconds = time.perf_counter() - start
    outputs = sevpa_prefix_outputs(learned, inputs.test_letters, inputs.alphabet)
    return LearningReport(
        algorithm="kv", automaton_type="vpa", states=len(learned.states), moore_states=None,
        ground_truth_states=None, equivalent=None,
        agreement_with_automaton=word_agreement(outputs, inputs.truth_outputs, inputs.test_valid),
        agreement_with_network=word_agreement(outputs, inputs.network_outputs, inputs.test_valid),
        **run_counts(info, sul, max_rounds, seconds))
