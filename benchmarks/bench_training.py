"""Benchmark: training speed, length-bucketed batches (ours) against padded batches (the usual way).

Both train the same network with the same data, optimiser and batch size (docs/contract.md); they differ only in
how a batch is formed. Padded: 128 random words padded to the batch's longest word, the whole padded
sequence run, the prediction read at each word's last letter. Bucketed (networks.recurrent.train_network): every
batch holds words of one length, so nothing is padded and the last step is the prediction.
For each language it prints seconds per epoch, epochs to 100% validation accuracy (three in a row, the
early stop) and the time that took.

    python benchmarks/bench_training.py                       # tomita3 GRU 20 and CFG_L_13 GRU 30
    python benchmarks/bench_training.py --threads 2 --max-epochs 30
    python benchmarks/bench_training.py --rnn gru,lstm,transformer --methods bucketed   # architectures side by side
"""
import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stateclusters.base.arguments import comma_list, parse_architectures, parser_for, positive_int  # noqa: E402
from stateclusters.base.cli import run_cli  # noqa: E402
from stateclusters.base.errors import UserError  # noqa: E402

SETUPS = (("tomita3", 20), ("CFG_L_12", 32), ("CFG_L_1", 16), ("CFG_L_7", 24), ("CFG_L_13", 30))   # hidden sizes
METHODS = ("bucketed", "padded")


def train_padded(config, train, validation, settings):
    """Adam on random padded batches, prediction read at each word's last letter; same early stop."""
    import numpy as np
    import torch
    from torch import nn

    from stateclusters.networks.recurrent import build_network, class_indices, set_seed, validation_accuracy

    set_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    model = build_network(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    loss_function = nn.CrossEntropyLoss()
    targets = torch.as_tensor(class_indices(train.labels, config.output_classes))
    validation_targets = class_indices(validation.labels, config.output_classes)
    letters, lengths = torch.as_tensor(train.letters), torch.as_tensor(train.lengths)
    accuracies, perfect_streak, start = [], 0, time.perf_counter()
    for _ in range(settings.epochs):
        model.train()
        order = torch.as_tensor(rng.permutation(len(train)))
        for batch in order.split(settings.batch_size):
            longest = int(lengths[batch].max())
            logits = model(letters[batch, :longest])[torch.arange(len(batch)), lengths[batch] - 1]
            loss = loss_function(logits, targets[batch])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        accuracies.append(validation_accuracy(model, validation, validation_targets))
        perfect_streak = perfect_streak + 1 if accuracies[-1] == 1.0 else 0
        if perfect_streak >= settings.perfect_epochs_to_stop:
            break
    return accuracies, time.perf_counter() - start


def report(method: str, accuracies: list, seconds: float) -> None:
    reached = next((i + 1 for i, accuracy in enumerate(accuracies) if accuracy == 1.0), None)
    print(f"  {method:<9} {len(accuracies):3d} epochs in {seconds:7.1f} s = {seconds / len(accuracies):5.2f} s/epoch "
          f"({len(accuracies) / seconds:.2f} epochs/s); first 100% validation accuracy at epoch "
          f"{reached if reached else '-'}"
          f"{f' (~{seconds * reached / len(accuracies):.0f} s)' if reached else ''}; "
          f"final {accuracies[-1]:.4f}", flush=True)


def parse_arguments(argv=None):
    parser = parser_for(__doc__)
    parser.formatter_class = type("Formatter", (argparse.RawDescriptionHelpFormatter, parser.formatter_class), {})
    parser.add_argument("--max-epochs", type=positive_int, default=40, help="most epochs each method trains")
    parser.add_argument("--threads", type=positive_int, default=1, help="torch threads")
    parser.add_argument("--languages", default="tomita3,CFG_L_13",
                        help=f"comma-separated, from {', '.join(setup[0] for setup in SETUPS)}")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help="comma-separated: bucketed is networks.recurrent.train_network, padded the usual way")
    parser.add_argument("--rnn", default="gru", help="comma-separated architectures, each trained on every language")
    args = parser.parse_args(argv)
    args.architectures = parse_architectures(args.rnn)
    for name, valid in ((args.languages, [setup[0] for setup in SETUPS]), (args.methods, METHODS)):
        unknown = [item for item in comma_list(name) if item not in valid]
        if unknown or not comma_list(name):
            raise UserError(f"unknown or no value(s) {', '.join(unknown) or repr(name)}; valid: {', '.join(valid)}")
    return args


def main(argv=None) -> int:
    args = parse_arguments(argv)
    import torch  # here: --help and argument mistakes must not wait for torch

    from stateclusters.automata import get_automaton
    from stateclusters.evaluation.training import network_config
    from stateclusters.networks.recurrent import TrainingConfig, train_network
    from stateclusters.words.sampling import training_words, validation_words

    torch.set_num_threads(args.threads)
    print(f"torch threads {torch.get_num_threads()}, at most {args.max_epochs} epochs, early stop after 3 epochs "
          f"at 100% validation accuracy")
    for language, hidden in SETUPS:
        if language not in comma_list(args.languages):
            continue
        automaton = get_automaton(language)
        settings = TrainingConfig(epochs=args.max_epochs, seed=0)
        train, validation = training_words(automaton, settings.seed), validation_words(automaton, settings.seed)
        for rnn in args.architectures:
            config = network_config(automaton, rnn, hidden)
            print(f"{language} {rnn} hidden {hidden}: {len(train)} training words, mean length "
                  f"{train.lengths.mean():.1f}, padded batches would carry "
                  f"{1 - train.lengths.sum() / (train.lengths.max() * len(train)):.0%} padding at full length")
            if "bucketed" in comma_list(args.methods):
                _, metrics = train_network(config, train, validation, settings, progress=False)
                report("bucketed", metrics.validation_accuracy, metrics.seconds)
            if "padded" in comma_list(args.methods):
                report("padded", *train_padded(config, train, validation, settings))
    return 0


if __name__ == "__main__":
    run_cli(main)
