"""One published network's job: load it, recover its orders, and evaluate it as the grid evaluates ours.

Records have the grid's shape (stateclusters.grid.jobs.job_record), so the grid's backends, job files and
resumption serve this script too; `results` is keyed by our labeling names, `orders` says how the network's
letter and class orders were found.
"""
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from stateclusters.base.catalogue import CONFORMANCE_WORDS, SEED_LIMIT
from stateclusters.base.keys import name_seed
from stateclusters.evaluation.network import evaluate_network
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.grid.jobs import DONE, FAILED, job_record, one_line, plain_scores, single_threaded
from stateclusters.paper.automata import load_paper_automaton, our_orders
from stateclusters.paper.loading import paper_network, read_state_dict, reordered
from stateclusters.paper.names import PaperNetwork, parse_checkpoint_name
from stateclusters.paper.orders import recover_orders
from stateclusters.protocol import Protocol


@dataclass(frozen=True)
class PaperJobSpec:
    """Plain values a worker needs for one published network."""
    network: PaperNetwork
    checkpoint: str             # absolute path of the .pt file
    paper_repo: str             # absolute path of the paper's checkout (its .dot files and letter orders)
    functions: tuple[str, ...]
    protocol: Protocol = Protocol()   # every setting, with the family's validation size and the fit fraction
    seed: int = 0               # added to the network's own seed (from its name)
    conformance_words: int = CONFORMANCE_WORDS

    @classmethod
    def under(cls, network: PaperNetwork, checkpoint: Path, paper_repo: Path, functions, protocol: Protocol,
              seed: int = 0) -> "PaperJobSpec":
        """The job of one published network under a protocol, with its family's validation size."""
        return cls(network, str(checkpoint), str(paper_repo), tuple(functions),
                   protocol.for_family(network.context_free), seed)

    @property
    def name(self) -> str:
        return self.network.stem

    @property
    def network_seed(self) -> int:
        # Modulo: the sum of two seeds is a seed again (k-means and numpy's RandomState take none ≥ 2**32).
        return (name_seed(self.network.stem) + self.seed) % SEED_LIMIT

    def settings(self) -> dict:
        """What the record's numbers depend on; a record with other settings is stale."""
        differences = {name: value for name, value in self.protocol.differences().items() if name != "fit_fraction"}
        return {"functions": list(self.functions), "protocol": differences, "seed": self.seed,
                "conformance_words": self.conformance_words, "fit_fraction": self.protocol.fit_fraction}


def run_paper_job(spec: PaperJobSpec) -> dict:
    """The network's record; a corrupt checkpoint or any other failure becomes a failed record."""
    start = time.perf_counter()
    try:
        with single_threaded():
            record = _evaluate(spec)
    except Exception as error:   # this network's failure is its result; the run goes on
        record = job_record(spec, FAILED, error=one_line(error), details=traceback.format_exc())
    record["seconds"]["total"] = round(time.perf_counter() - start, 3)
    return record


def published_network_data(spec: PaperJobSpec):
    """(NetworkData of the published network in our letter and class order, its paper automaton, its orders)."""
    network = spec.network
    paper = load_paper_automaton(Path(spec.paper_repo), network.language)
    alphabet, classes = our_orders(paper.automaton)
    state = read_state_dict(Path(spec.checkpoint))
    raw = paper_network(state, network.rnn, network.layers, network.hidden, paper.letter_convention,
                        paper.class_convention or _placeholders(state, classes))
    orders = recover_orders(raw, paper.automaton, alphabet, classes, paper.letter_convention, paper.class_convention)
    # The recovered orders name the network's columns and rows; then they are put in our order.
    named = paper_network(state, network.rnn, network.layers, network.hidden, orders.letters, orders.classes)
    model = reordered(named, alphabet, classes)
    data = NetworkData(model, paper.automaton, spec.network_seed, None, spec.conformance_words, spec.protocol)
    return data, paper, orders


def _evaluate(spec: PaperJobSpec) -> dict:
    data, paper, orders = published_network_data(spec)
    evaluate_start = time.perf_counter()
    evaluation = evaluate_network(data, spec.functions)
    results = {labeling: plain_scores(function_results) for labeling, function_results in evaluation.results.items()}
    record = job_record(spec, DONE, accuracy=float(evaluation.accuracy), results=results)
    record["orders"] = {"letters": list(orders.letters), "classes": list(orders.classes), "method": orders.method,
                        "agreement": orders.agreement, "convention_agreement": orders.convention_agreement,
                        "letter_convention": list(paper.letter_convention)}
    record["n_vectors"] = evaluation.n_vectors
    record["seconds"]["evaluate"] = round(time.perf_counter() - evaluate_start, 3)
    return record


def _placeholders(state: dict, classes) -> tuple[str, ...]:
    """Names for the output rows before their order is known: our classes if the counts agree."""
    n_rows = state["fc.weight"].shape[0]
    if n_rows != len(classes):
        raise ValueError(f"the network has {n_rows} outputs, the automaton {len(classes)} classes")
    return tuple(classes)


def merged_paper_results(records) -> tuple[dict, dict]:
    """accuracy and ambiguity dictionaries keyed like the paper's result files, from done records."""
    accuracy, ambiguity = {}, {}
    for record in sorted((r for r in records if r["status"] == DONE), key=lambda r: r["name"]):
        network = parse_checkpoint_name(Path(record["spec"]["checkpoint"]))   # the record's own file name
        for labeling, scores in record["results"].items():
            key = network.result_key(labeling)
            accuracy[key] = record["accuracy"]
            ambiguity[key] = {function: values for function, values in scores.items() if isinstance(values, list)}
    return accuracy, ambiguity
