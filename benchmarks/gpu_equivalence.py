"""Group training on a device (CUDA, TF32 off) against solo training on the CPU: the same networks, to float rounding.

Prints, per network, the largest relative difference of the per-epoch training loss, the largest weight
difference and whether the validation accuracy agreed every epoch; exits 1 if a network is outside
1e-5 / 1e-4 (wider than the CPU tests' 1e-6 / 1e-5: CUDA's kernels sum in other orders).

    python benchmarks/gpu_equivalence.py --device cuda
    python benchmarks/gpu_equivalence.py --device cpu --train-words 300 --epochs 1   # a quick run of the same code
"""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stateclusters.base.arguments import parse_architectures, parser_for, positive_int  # noqa: E402
from stateclusters.base.cli import run_cli  # noqa: E402

LOSS_TOLERANCE, WEIGHT_TOLERANCE = 1e-5, 1e-4


def parse_arguments(argv=None):
    parser = parser_for(__doc__)
    parser.add_argument("--device", default="cuda", help="where the group trains: cuda (default) or cpu")
    parser.add_argument("--rnn", default="relu,gru,lstm")
    parser.add_argument("--networks", type=positive_int, default=4)
    parser.add_argument("--hidden", type=positive_int, default=16)
    parser.add_argument("--epochs", type=positive_int, default=3)
    parser.add_argument("--train-words", type=positive_int, default=5000)
    args = parser.parse_args(argv)
    args.architectures = parse_architectures(args.rnn)
    return args


def main(argv=None) -> int:
    args = parse_arguments(argv)
    import torch

    from stateclusters.automata import get_automaton
    from stateclusters.evaluation.training import network_config
    from stateclusters.networks.group_training import GroupMember, train_group
    from stateclusters.networks.recurrent import TrainingConfig, resolve_device, train_network
    from stateclusters.words.sampling import training_words, validation_words

    device = resolve_device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False   # TF32 rounds to 10 bits: no float32 equivalence with it
    torch.backends.cudnn.allow_tf32 = False
    torch.set_num_threads(1)
    automaton, worst = get_automaton("tomita3"), True
    print(f"group on {device} against solo on cpu: tomita3, hidden {args.hidden}, {args.networks} networks, "
          f"{args.epochs} epochs, {args.train_words} words; TF32 off")
    for rnn in args.architectures:
        members = [GroupMember(network_config(automaton, rnn, args.hidden), training_words(automaton, seed,
                                                                                           args.train_words),
                               validation_words(automaton, seed), TrainingConfig(epochs=args.epochs, seed=seed,
                                                                                 perfect_epochs_to_stop=None))
                   for seed in range(args.networks)]
        for member, (model, metrics) in zip(members, train_group(members, device, progress=False)):
            solo, solo_metrics = train_network(member.config, member.training_words, member.validation_words,
                                               member.settings, progress=False)
            loss = max(abs(a - b) / abs(b) for a, b in zip(metrics.training_loss, solo_metrics.training_loss))
            solo_state = solo.state_dict()
            weight = max((tensor.cpu() - solo_state[name]).abs().max().item()
                         for name, tensor in model.state_dict().items())
            same = metrics.validation_accuracy == solo_metrics.validation_accuracy
            ok = loss <= LOSS_TOLERANCE and weight <= WEIGHT_TOLERANCE
            worst = worst and ok
            print(f"{rnn:<5} seed {member.settings.seed}: loss rel {loss:.2e}, weights {weight:.2e}, "
                  f"validation accuracy {'same' if same else 'DIFFERENT'} every epoch{'' if ok else '  OUTSIDE'}")
    return 0 if worst else 1


if __name__ == "__main__":
    run_cli(main)
