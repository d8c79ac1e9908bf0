"""Evaluate the paper's published networks as our grid evaluates ours, and write the results keyed like its files.

Reads DIR/automata_models/*.dot and DIR/rnn_data/models/exp_models/{name}_gpu.pt of a checkout of the paper's
repository, recovers each network's letter and class order, and scores all abstraction functions under the
paper's protocol (default) or ours. Resumable (OUT/jobs/{name}.pickle) and parallel like experiment_runner.py.
Writes OUT/accuracy.pickle and OUT/ambiguity.pickle (keys `{checkpoint stem}_{labeling}`, labelings regular,
stackless, stackful, top_of_stack) and OUT/orders.json. See docs/paper_protocol.md.
"""
import argparse
import fnmatch
import sys
import time
from contextlib import closing
from pathlib import Path

from stateclusters.base.arguments import at_most, parser_for, seed_int
from stateclusters.base.atomic_io import remove_stale_temp_files
from stateclusters.base.catalogue import MAX_WORKERS
from stateclusters.base.cli import command
from stateclusters.base.errors import UserError
from stateclusters.base.paths import check_output_folder, project_folder
from stateclusters.clustering.functions import parse_function_names
from stateclusters.grid.jobs import DONE, is_finished
from stateclusters.grid.run_loop import (
    RunLog,
    check_job_file_names,
    exclusive_lock,
    read_job_files,
    report_run,
    run_jobs,
)
from stateclusters.paper.names import (
    AUTOMATA_FOLDER,
    MODELS_FOLDER,
    check_paper_repo,
    language_source,
    parse_checkpoint_name,
    result_key_identity,
)
from stateclusters.protocol import add_protocol_arguments, protocol_from_arguments
from stateclusters.results.files import write_results

REPO = project_folder()
ORDERS_FILE = "orders.json"


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.add_argument("--paper-repo", type=Path, required=True, help="checkout of the paper's repository")
    parser.add_argument("--out", type=Path, default=REPO / "experiment_results" / "paper_networks" / "run",
                        help="results folder")
    parser.add_argument("--networks", default="*", help="comma-separated glob patterns on the checkpoint stem, "
                        "e.g. 'tomita3_*,CFG_L_13_gru_*'")
    parser.add_argument("--workers", type=at_most(MAX_WORKERS), default=1, help="networks evaluated at the same time")
    parser.add_argument("--functions", default="all", help="comma-separated abstraction functions, or 'all'")
    parser.add_argument("--seed", type=seed_int, default=0,
                        help="added to each network's seed (validation words, clustering), modulo 2**32")
    add_protocol_arguments(parser, default="paper")
    return parser.parse_args(argv)


def find_networks(paper_repo: Path, patterns: list[str]):
    """(networks to evaluate, [(file name, reason)] skipped) among the checkpoints matching the patterns."""
    chosen, skipped = [], []
    for path in sorted((paper_repo / MODELS_FOLDER).glob("*.pt")):
        if not any(fnmatch.fnmatchcase(path.stem, pattern) for pattern in patterns):
            continue
        network = parse_checkpoint_name(path)
        if network is None:
            skipped.append((path.name, "name is not {language}_{rnn}_{layers}_{hidden}_{repetition}_gpu.pt"))
            continue
        source = language_source(network.language)
        if source is None:
            skipped.append((path.name, f"language {network.language!r} maps to no known automaton"))
        elif source[1] != "pda" and not (paper_repo / AUTOMATA_FOLDER / source[0]).is_file():
            skipped.append((path.name, f"no {AUTOMATA_FOLDER / source[0]} for language {network.language!r}"))
        else:
            chosen.append((network, path))
    return chosen, skipped


def build_specs(args) -> tuple[list, list]:
    paper_repo = args.paper_repo.resolve()
    check_paper_repo(paper_repo)
    functions = tuple(parse_function_names(args.functions))
    protocol = protocol_from_arguments(args)
    patterns = [pattern.strip() for pattern in args.networks.split(",") if pattern.strip()]
    chosen, skipped = find_networks(paper_repo, patterns)
    if not chosen and not skipped:
        raise UserError(f"--networks {args.networks!r} matches no checkpoint in {paper_repo / MODELS_FOLDER}")
    if not chosen:
        reasons = "; ".join(f"{name}: {reason}" for name, reason in skipped[:3]) + "; …" * (len(skipped) > 3)
        raise UserError(f"--networks {args.networks!r}: every matching checkpoint ({len(skipped)}) is skipped, "
                        f"so nothing would be evaluated ({reasons})")
    from stateclusters.paper.jobs import PaperJobSpec  # here: --help must not wait for torch
    specs = [PaperJobSpec.under(network, path, paper_repo, functions, protocol, args.seed)
             for network, path in chosen]
    return specs, skipped


def write_merged(out_dir: Path, log) -> None:
    from stateclusters.paper.jobs import merged_paper_results
    records = list(read_job_files(out_dir, log).values())
    accuracy, ambiguity = merged_paper_results(records)
    orders = {record["name"]: record["orders"] for record in records if record["status"] == DONE}
    write_results(out_dir, accuracy, ambiguity, json_files={ORDERS_FILE: orders}, identity=result_key_identity)
    log.write(f"merged {len(accuracy)} result keys into {out_dir}/accuracy.pickle and ambiguity.pickle")


def choose_backend(workers: int):
    """specs → (spec, record) pairs, in this process or a pool of `workers`."""
    from stateclusters.grid.backends import run_in_pool, run_in_process
    from stateclusters.paper.jobs import run_paper_job
    if workers == 1:
        return lambda specs: run_in_process(specs, run_paper_job)
    return lambda specs: run_in_pool(specs, workers, run_paper_job)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    check_output_folder(args.out, "--out")
    specs, skipped = build_specs(args)
    check_job_file_names(args.out, specs)
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with exclusive_lock(out_dir, "paper_networks"), closing(RunLog(out_dir)) as log:
        log.write(f"arguments: {' '.join(sys.argv[1:] if argv is None else argv)}", echo=False)
        remove_stale_temp_files(out_dir)
        previous = read_job_files(out_dir, log)
        to_run = [spec for spec in specs if not is_finished(previous.get(spec.name), spec)]
        log.write(f"{len(specs)} networks: {len(specs) - len(to_run)} already finished, {len(to_run)} to run; "
                  f"protocol {protocol_from_arguments(args).describe()}")
        records = []
        try:
            records = run_jobs(to_run, choose_backend(args.workers), out_dir, log, desc="paper networks")
        finally:
            write_merged(out_dir, log)
        for name, reason in skipped:
            log.write(f"skipped {name}: {reason}")
        log.write(f"{len(skipped)} checkpoint(s) skipped")
        return report_run(records, time.perf_counter() - start, log)


run = command(main)

if __name__ == "__main__":
    run()
