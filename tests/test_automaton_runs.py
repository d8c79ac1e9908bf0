import numpy as np
import pytest

from stateclusters.automata import get_automaton, input_alphabet
from stateclusters.automata.context_free import CONTEXT_FREE_NAMES
from stateclusters.words.runs import trace_words


def stepped_trace(pda, letters, lengths, alphabet):
    """Reference: the PDA's own step() one letter at a time, word by word."""
    shape = letters.shape
    outputs, states, tops = (np.full(shape, "", dtype=object) for _ in range(3))
    heights = np.zeros(shape, dtype=np.int64)
    for w in range(shape[0]):
        pda.reset_to_initial()
        for position in range(lengths[w]):
            outputs[w, position] = str(pda.step(alphabet[letters[w, position]]))
            states[w, position] = pda.current_state.state_id
            heights[w, position] = len(pda.stack)
            tops[w, position] = pda.stack[-1]
    return outputs, states, heights, tops


def random_words(alphabet_size, n_words=300, max_length=20, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_length + 1, size=n_words)
    letters = rng.integers(0, alphabet_size, size=(n_words, max_length))
    letters[np.arange(max_length)[None, :] >= lengths[:, None]] = 0
    return letters, lengths


@pytest.mark.parametrize("name", CONTEXT_FREE_NAMES)
def test_vectorised_pda_trace_equals_stepping(name):
    pda = get_automaton(name)
    alphabet = tuple(input_alphabet(pda))
    letters, lengths = random_words(len(alphabet), seed=len(name))
    # Mostly enabled letters as well, so that words go deep into the stack instead of straight to err.
    from stateclusters.words.sampling import sample_words
    words = sample_words(pda, 300, seed=1, max_length=14)
    for letters, lengths in [(letters, lengths), (words.letters, words.lengths)]:
        trace = trace_words(pda, letters, lengths, alphabet)
        outputs, states, heights, tops = stepped_trace(pda, letters, lengths, alphabet)
        valid = trace.valid()
        assert (trace.outputs[valid] == outputs[valid].astype(str)).all()
        assert (trace.states[valid] == states[valid].astype(str)).all()
        assert (trace.stack_heights[valid] == heights[valid]).all()
        assert (trace.stack_tops[valid] == tops[valid].astype(str)).all()
