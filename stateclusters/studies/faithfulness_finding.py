"""Does low ambiguity go with high interchange-intervention accuracy? Three groups of networks, each analysed with
`stateclusters.analyse` (ambiguity, Myhill–Nerode scores, interventions; docs/faithfulness.md):

- small: the small experiment's 8 shipped GRUs in pretrained_models/ (PDAs and Mealy machines among them);
- constructed: correct-by-construction networks of regular languages with Gaussian noise σ on the weights, each
  before and after retraining with the ordinary training started from the noisy weights;
- reproduction: the committed checkpoints of the reproduction run (experiment_results/reproduction/checkpoints).

Writes one row per analysed network to OUT/rows.json and OUT/rows.csv and prints the tables of docs/faithfulness.md.

    OMP_NUM_THREADS=1 python -m stateclusters.studies.faithfulness_finding --out experiment_results/faithfulness
"""
import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np

from stateclusters.base.arguments import at_most, comma_list, parser_for, seed_int
from stateclusters.base.catalogue import MAX_EPOCHS, TRAINING_WORDS, check_construction
from stateclusters.base.cli import run_cli

DEFAULT_FUNCTIONS = ("k_means_8", "lr", "DBSCAN")
DEFAULT_LANGUAGES = ("tomita1", "tomita3", "tomita5", "tomita7", "angluin", "regex", "dfa_5_4_1", "dfa_10_4_1",
                     "moore_8_2_3_1", "moore_12_4_5_1")
DEFAULT_NOISE = (0.0, 0.1, 0.3, 0.5, 1.0)
REPRODUCTION_CHECKPOINTS = Path("experiment_results/reproduction/checkpoints")
LOW_AMBIGUITY = 0.05   # a (network, function) with weighted ambiguity at most this counts as clustering by state
HIGH_IIA = 0.95        # … and its centroid IIA at least this as acting as its state


def faithfulness_columns(report: dict, functions) -> dict:
    """The flat scores of one analysis: agreement, per function wamb, chance and IIA, the Myhill–Nerode scores."""
    row = {"states": report["automaton"]["states"], "agreement": report.get("agreement")}
    for name in functions:
        scores = report.get("functions", {}).get(name, {})
        row[f"{name}_wamb"] = scores.get("wamb")
        row[f"{name}_wamb_chance"] = scores.get("wamb_chance")
    faithfulness = report.get("faithfulness", {})
    row["faithfulness_skipped"] = faithfulness.get("faithfulness_skipped") or faithfulness.get("interventions_skipped")
    for name in ("compression", "distinction_precision", "distinction_recall"):
        row[name] = faithfulness.get(name)
    interventions = faithfulness.get("interventions", {})
    row["control_random"] = interventions.get("controls", {}).get("random")
    row["control_mean"] = interventions.get("controls", {}).get("mean")
    for name in functions:
        scores = interventions.get("functions", {}).get(name, {})
        row[f"{name}_centroid_iia"] = scores.get("centroid_iia")
        row[f"{name}_member_iia"] = scores.get("member_iia")
    for part, value in interventions.get("parts", {}).items():
        row[f"part_{part}"] = value
    return row


def analysed_row(adapter, automaton, functions, seed: int, /, **identity) -> dict:
    """One analysis as a flat row: the identity given, then the scores and the seconds it took."""
    import stateclusters
    started = time.perf_counter()
    report = stateclusters.analyse(adapter, automaton, functions=functions, seed=seed).report
    row = dict(identity, kind=type(automaton).__name__, **faithfulness_columns(report, functions))
    row["seconds"] = round(time.perf_counter() - started, 2)
    print(" ".join(f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}"
                   for key, value in row.items() if key in (*identity, "agreement", "compression", "seconds",
                                                            f"{functions[0]}_centroid_iia")), flush=True)
    return row


def small_rows(args) -> list[dict]:
    import stateclusters
    from stateclusters.commands.run_small_experiment import SMALL_LANGUAGES, small_network
    rows = []
    for language in SMALL_LANGUAGES:
        name = small_network(language).name
        network = stateclusters.load_network(str(args.pretrained_dir / f"{name}.pt"))
        rows.append(analysed_row(network, stateclusters.load_automaton(language), args.functions, args.seed,
                                 group="small", network=name, language=language))
    return rows


def constructed_rows(args) -> list[dict]:
    import stateclusters
    rows = []
    for language in args.languages:
        automaton = stateclusters.load_automaton(language)
        for sigma in args.noise:
            network = stateclusters.construct_network(automaton, args.rnn, 1, args.saturation, sigma, args.seed)
            identity = dict(group="constructed", network=f"{language}_{args.rnn}_s{args.saturation:g}",
                            language=language, sigma=sigma)
            rows.append(analysed_row(network, automaton, args.functions, args.seed, **identity, phase="before"))
            retrained = stateclusters.train_network(automaton, start=network, epochs=args.retrain_epochs,
                                                    seed=args.seed, n_words=args.retrain_words)
            rows.append(analysed_row(retrained, automaton, args.functions, args.seed, **identity, phase="after",
                                     epochs_run=retrained.metadata["epochs_run"]))
    return rows


def reproduction_rows(args) -> list[dict]:
    import stateclusters
    from stateclusters.base.keys import parse_network_name
    paths = sorted(args.reproduction_dir.glob("*.pt"))[:args.reproduction_networks or None]
    rows = []
    for path in paths:
        network_id = parse_network_name(path.stem)
        rows.append(analysed_row(stateclusters.load_network(str(path)),
                                 stateclusters.load_automaton(network_id.language), args.functions, args.seed,
                                 group="reproduction", network=path.stem, language=network_id.language))
    return rows


def mean(rows, column) -> str:
    values = [row[column] for row in rows if row.get(column) is not None]
    return f"{np.mean(values):.3f}" if values else "–"


def family(row) -> str:
    """regular, PDA or Mealy: PDAs' ambiguity is on the stackless labels, Mealy machines are scored over non-empty
    suffixes."""
    return {"Pda": "PDA", "MealyMachine": "Mealy"}.get(row["kind"], "regular")


SUMMARY_COLUMNS = ("agreement", "{f}_wamb", "{f}_wamb_chance", "compression", "distinction_precision",
                   "distinction_recall", "{f}_centroid_iia", "{f}_member_iia", "control_random", "control_mean")


def summary_table(groups: dict, function: str) -> None:
    columns = [column.format(f=function) for column in SUMMARY_COLUMNS]
    print(f"\nmeans per group ({function} for the function columns)\n")
    print("| group | networks | " + " | ".join(columns) + " |")
    print("|---" * (2 + len(columns)) + "|")
    for name, rows in groups.items():
        print(f"| {name} | {len(rows)} | " + " | ".join(mean(rows, column) for column in columns) + " |")


def noise_table(rows: list[dict], function: str) -> None:
    columns = ("agreement", "compression", "distinction_precision", "distinction_recall", f"{function}_wamb",
               f"{function}_centroid_iia", f"{function}_member_iia", "control_random")
    print("\nconstructed networks, mean over languages, per σ before and after retraining\n")
    print("| σ | phase | networks | " + " | ".join(columns) + " |")
    print("|---" * (3 + len(columns)) + "|")
    for sigma in sorted({row["sigma"] for row in rows}):
        for phase in ("before", "after"):
            chosen = [row for row in rows if row["sigma"] == sigma and row["phase"] == phase]
            print(f"| {sigma:g} | {phase} | {len(chosen)} | " + " | ".join(mean(chosen, c) for c in columns) + " |")


def agreement_of_scores(groups: dict, functions) -> None:
    """Per group and function: how often low ambiguity comes with high centroid IIA, and their correlation."""
    print(f"\nlow ambiguity (wamb ≤ {LOW_AMBIGUITY}) against centroid IIA ≥ {HIGH_IIA}, and Pearson r(wamb, "
          "centroid IIA)\n")
    print("| group | function | pairs | low wamb | of these, high IIA | high IIA, not low wamb | r |")
    print("|---|---|---|---|---|---|---|")
    for name, rows in groups.items():
        for function in functions:
            pairs = [(row[f"{function}_wamb"], row[f"{function}_centroid_iia"]) for row in rows
                     if row.get(f"{function}_wamb") is not None and row.get(f"{function}_centroid_iia") is not None]
            if not pairs:
                continue
            wamb, iia = np.array(pairs).T
            low = wamb <= LOW_AMBIGUITY
            high = iia >= HIGH_IIA
            spread = np.std(wamb) > 0 and np.std(iia) > 0
            r = f"{np.corrcoef(wamb, iia)[0, 1]:.2f}" if spread and len(pairs) > 2 else "–"
            print(f"| {name} | {function} | {len(pairs)} | {low.sum()} | {(low & high).sum()} | "
                  f"{(~low & high).sum()} | {r} |")


def architecture(row) -> str:
    """`gru 1x1` from a checkpoint's name; the constructed networks' are one-layer networks of their units."""
    from stateclusters.base.keys import parse_network_name
    if row["group"] == "constructed":
        return row["network"].split("_")[-2] + " 1x1"
    network_id = parse_network_name(row["network"])
    return f"{network_id.rnn} {network_id.layers}x1"


def parts_table(groups: dict) -> None:
    """Mean part-swap IIA per group and state part: which part of the vector carries the state."""
    print("\npart swaps: mean IIA of a swapped part, per group and architecture\n")
    print("| group | architecture | networks | parts |")
    print("|---|---|---|---|")
    for name, rows in groups.items():
        for kind in sorted({architecture(row) for row in rows}):
            chosen = [row for row in rows if architecture(row) == kind]
            parts = sorted({key for row in chosen for key in row if key.startswith("part_")})
            if parts:
                print(f"| {name} | {kind} | {len(chosen)} | " +
                      ", ".join(f"{part[5:]} {mean(chosen, part)}" for part in parts) + " |")


def print_tables(rows: list[dict], functions) -> None:
    groups, by_architecture = {}, {}
    for row in rows:
        label = row["group"] if row["group"] != "constructed" else f"constructed, {row['phase']} retraining"
        groups.setdefault(f"{label} ({family(row)})", []).append(row)
        if row["group"] == "reproduction":
            by_architecture.setdefault(f"reproduction, {architecture(row)} ({family(row)})", []).append(row)
    summary_table(groups, functions[0])
    if by_architecture:
        summary_table(dict(sorted(by_architecture.items())), functions[0])
    constructed = [row for row in rows if row["group"] == "constructed"]
    if constructed:
        noise_table(constructed, functions[0])
    agreement_of_scores(groups, functions)
    parts_table(groups)


def write_rows(rows: list[dict], out: Path, settings: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "rows.json").write_text(json.dumps({"settings": settings, "rows": rows}, indent=1))
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open(out / "rows.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.formatter_class = type("Formatter", (argparse.RawDescriptionHelpFormatter, parser.formatter_class), {})
    parser.add_argument("--out", type=Path, default=Path("experiment_results/faithfulness"),
                        help="folder for rows.json and rows.csv")
    parser.add_argument("--groups", type=comma_list, default=("small", "constructed", "reproduction"),
                        help="which groups to run (default all three)")
    parser.add_argument("--functions", type=comma_list, default=DEFAULT_FUNCTIONS,
                        help="abstraction functions; the first is the one of the summary tables")
    parser.add_argument("--languages", type=comma_list, default=DEFAULT_LANGUAGES,
                        help="regular languages of the constructed networks")
    parser.add_argument("--noise", type=number_list, default=DEFAULT_NOISE,
                        help="noise σ values of the constructed networks")
    parser.add_argument("--rnn", choices=("tanh", "relu"), default="tanh", help="constructed networks' units")
    parser.add_argument("--saturation", type=float, default=5.0, help="constructed networks' saturation s")
    parser.add_argument("--retrain-epochs", type=at_most(MAX_EPOCHS), default=10,
                        help="epochs of retraining after the noise")
    parser.add_argument("--retrain-words", type=at_most(TRAINING_WORDS * 20), default=TRAINING_WORDS,
                        help="training words of the retraining")
    parser.add_argument("--pretrained-dir", type=Path, default=Path("pretrained_models"))
    parser.add_argument("--reproduction-dir", type=Path, default=REPRODUCTION_CHECKPOINTS)
    parser.add_argument("--reproduction-networks", type=int, default=0,
                        help="the first N checkpoints in name order (default 0: all)")
    parser.add_argument("--seed", type=seed_int, default=0, help="words, pairs, noise and retraining seed")
    parser.add_argument("--tables-only", action="store_true", help="print the tables of OUT/rows.json, run nothing")
    return parser.parse_args(argv)


def number_list(text: str) -> tuple[float, ...]:
    """argparse type: comma-separated numbers (check_construction checks them as noise values)."""
    try:
        values = tuple(map(float, comma_list(text)))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a list of numbers") from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one number")
    return values


def check_arguments(args: argparse.Namespace) -> None:
    """The constructed networks' settings, as the driver's --construct checks them, before any work."""
    if "constructed" in args.groups:
        for sigma in args.noise:
            check_construction(args.rnn, 1, args.saturation, sigma)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    check_arguments(args)
    if args.tables_only:
        written = json.loads((args.out / "rows.json").read_text())
        print_tables(written["rows"], written["settings"]["functions"])
        return 0
    started = time.perf_counter()
    rows = []
    for group, run in (("small", small_rows), ("constructed", constructed_rows), ("reproduction", reproduction_rows)):
        if group in args.groups:
            rows += run(args)
    settings = {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()}
    settings["seconds"] = round(time.perf_counter() - started, 1)
    write_rows(rows, args.out, settings)
    print_tables(rows, args.functions)
    print(f"\n{len(rows)} analyses in {settings['seconds']} s; rows in {args.out}/rows.json and rows.csv")
    return 0


if __name__ == "__main__":
    run_cli(main)
