"""A correct-by-construction network for an automaton (networks/constructed.py), and what its checkpoint records."""
from stateclusters.automata import is_context_free
from stateclusters.automata.tables import compile_table
from stateclusters.base.catalogue import DEFAULT_SATURATION, check_construction
from stateclusters.base.errors import UserError
from stateclusters.evaluation.training import network_config
from stateclusters.networks.constructed import TransitionArrays, constructed_network, exact_saturation
from stateclusters.networks.recurrent import RecurrentClassifier


def initial_output(automaton) -> str | None:
    """The output of the empty word: a DFA's acceptance or a Moore machine's output of the initial state; a Mealy
    machine has none."""
    state = automaton.initial_state
    if hasattr(state, "is_accepting"):
        return str(state.is_accepting)
    if hasattr(state, "output") and not hasattr(state, "output_fun"):
        return str(state.output)
    return None


def transition_arrays(automaton) -> TransitionArrays:
    """The automaton's integer arrays; a PDA is refused (a construction needs finitely many states)."""
    if is_context_free(automaton):
        raise UserError("a constructed network needs a regular automaton (DFA, Moore or Mealy machine), not a PDA")
    table = compile_table(automaton)
    empty = initial_output(automaton)
    return TransitionArrays(table.next_state, table.output_after, table.initial_state,
                            table.output_classes.index(empty) if empty in table.output_classes else None)


def construction_info(rnn: str, saturation: float, noise: float, seed: int) -> dict:
    """What a constructed network's checkpoint records: that it is constructed, and how (the saturation used)."""
    used = exact_saturation(saturation) if rnn == "relu" else float(saturation)
    return {"constructed": True, "saturation": used, "noise": float(noise), "seed": int(seed)}


def construct_network(automaton, rnn: str = "relu", layers: int = 1, saturation: float = DEFAULT_SATURATION,
                      noise: float = 0.0, seed: int = 0) -> tuple[RecurrentClassifier, dict]:
    """The network that computes the automaton exactly (plus noise of σ `noise` from `seed`), and its metadata."""
    check_construction(rnn, layers, saturation, noise)
    arrays = transition_arrays(automaton)
    config = network_config(automaton, rnn, arrays.hidden_size, layers)
    model = constructed_network(arrays, config.input_alphabet, config.output_classes, rnn, layers, saturation,
                                noise, seed)
    return model, construction_info(rnn, saturation, noise, seed)
