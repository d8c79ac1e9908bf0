import numpy as np

from stateclusters.automata import get_automaton
from stateclusters.words.runs import trace_words
from stateclusters.words.sampling import conformance_words, sample_words, words_per_length


def test_length_counts_follow_the_formula_when_nothing_is_capped():
    counts = words_per_length(50_000, alphabet_size=500)
    assert counts == {length: 50_000 * length // 105 + 1 for length in range(1, 15)}


def test_short_lengths_get_all_words_and_the_surplus_goes_to_the_rest():
    counts = words_per_length(2_000, alphabet_size=2)
    formula = {length: 2_000 * length // 105 + 1 for length in range(1, 15)}
    for length in range(1, 5):     # 2^l is smaller than the formula's count
        assert counts[length] == 2 ** length
    assert sum(counts.values()) == sum(formula.values())
    sampled = [length for length in counts if counts[length] < 2 ** length]
    extra = [counts[length] - formula[length] for length in sampled]
    assert max(extra) - min(extra) <= 1 and min(extra) > 0


def test_all_words_rule_enumerates_each_short_word_once():
    words = sample_words(get_automaton("tomita3"), 2_000, seed=0)
    short = {words.word(i) for i in range(len(words)) if words.lengths[i] == 3}
    assert len(short) == 8 and np.sum(words.lengths == 3) == 8
    assert np.bincount(words.lengths)[1:].tolist() == list(words_per_length(2_000, 2).values())


def test_sampling_is_seeded_and_labels_are_the_automatons_outputs():
    coffee = get_automaton("coffee")
    first, again, other = (sample_words(coffee, 500, seed=s) for s in (4, 4, 5))
    assert np.array_equal(first.letters, again.letters) and np.array_equal(first.labels, again.labels)
    assert not np.array_equal(first.letters, other.letters)
    for i in range(0, 500, 37):
        coffee.reset_to_initial()
        outputs = [coffee.step(letter) for letter in first.word(i)]
        assert first.labels[i] == str(outputs[-1])


def test_pda_words_are_labelled_by_acceptance_and_biased_towards_enabled_letters():
    pda = get_automaton("CFG_L_1")
    words = sample_words(pda, 2_000, seed=1)
    for i in range(0, len(words), 53):
        assert words.labels[i] == str(pda.accepts(words.word(i)))
    # The 0.75 rule keeps far more words out of err than uniformly random letters do.
    uniform = np.random.default_rng(0).integers(0, 2, size=words.letters.shape)

    def alive(letters):
        trace = trace_words(pda, letters, words.lengths, words.alphabet)
        return (trace.states[np.arange(len(words)), words.lengths - 1] != "err").mean()
    assert alive(words.letters) > 3 * alive(uniform)
    assert "True" in set(words.labels)


def test_conformance_words_have_the_test_lengths():
    words = conformance_words(get_automaton("tomita5"), 1_000, seed=2)
    assert words.lengths.min() >= 16 and words.lengths.max() <= 30
    assert len(np.unique(words.lengths)) == 15
