"""The full grid (docs/contract.md, Networks): languages × architectures × sizes × repetitions, each network
trained, tested, clustered with the abstraction functions and scored; resumable, and parallel on one machine or on Dask.

Layout of --out: checkpoints/{network}.pt (an unusable one is moved to checkpoints/quarantine/ and retrained),
jobs/{network}.pickle (one record per job, written when it finishes), logs/run-*.log, kind.txt (a grid's folder:
evaluate_paper_networks.py's are refused), and the accuracy.pickle /
ambiguity.pickle (plus scores.pickle and the extras), rebuilt
from the job records at the end of every run (also after Ctrl-C). Rerunning the same command continues where it stopped.
"""
import argparse
import dataclasses
import math
import re
import sys
import time
from contextlib import closing
from fractions import Fraction
from pathlib import Path

from stateclusters.analyses import registry
from stateclusters.base.arguments import (
    add_device_option,
    at_most,
    comma_list,
    fraction_of_one,
    parse_architectures,
    parser_for,
)
from stateclusters.base.atomic_io import remove_stale_temp_files
from stateclusters.base.catalogue import (
    GROUP_SIZE,
    MAX_GROUP_SIZE,
    MAX_HIDDEN,
    MAX_LAYERS,
    MAX_REPEATS,
    MAX_TRAINING_EPOCHS,
    MAX_WORDS,
    MAX_WORKERS,
    RECURRENT_TYPES,
    RNN_TYPES,
)
from stateclusters.base.cli import command
from stateclusters.base.errors import UserError
from stateclusters.base.paths import check_output_folder, project_folder
from stateclusters.clustering.functions import FUNCTION_NAMES, parse_function_names
from stateclusters.grid.groups import train_groups
from stateclusters.grid.jobs import (
    JobSpec,
    is_finished,
    merged_extras,
    merged_results,
)
from stateclusters.grid.run_loop import (
    RunLog,
    check_job_file_names,
    exclusive_lock,
    job_line,
    read_job_files,
    report_run,
    run_jobs,
    warn_mixed_settings,
)
from stateclusters.protocol import Protocol, add_protocol_arguments, protocol_from_arguments
from stateclusters.results.files import (
    ACCURACY_FILE,
    AMBIGUITY_FILE,
    extra_result_files,
    write_job_record,
    write_results,
)

REPO = project_folder()
# The contract's sizes as (layers, factor of opt = |Σ|·|Q|); the PDAs add two wider single-layer networks.
CONTRACT_SIZES = ((1, Fraction(1)), (1, Fraction(3, 2)), (2, Fraction(1)))
PDA_EXTRA_SIZES = ((1, Fraction(3)), (1, Fraction(5)))
SIZE_PATTERN = re.compile(r"(\d+)x(\d+(?:\.\d+)?)")
SCHEDULER_ADDRESS = re.compile(r"((tcp|tls|ucx|ws|wss)://)?([\w.\-]+|\[[0-9a-fA-F:]+\]):\d{1,5}")   # Dask's forms


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    grid = parser.add_argument_group("the slice of the grid to run")
    grid.add_argument("--languages", default="all", help="comma-separated names from automata.list_automata(), "
                      "paths to own .dot files (named by the file's stem), or 'all', 'regular', 'context_free'")
    grid.add_argument("--rnn", default=",".join(RECURRENT_TYPES),
                      help=f"comma-separated architectures from: {', '.join(RNN_TYPES)}")
    grid.add_argument("--sizes", default=None, help="comma-separated LAYERSxFACTOR, hidden = floor(FACTOR·|Σ|·|Q|); "
                      "default 1x1,1x1.5,2x1, PDAs adding 1x3,1x5")
    grid.add_argument("--repeats", type=at_most(MAX_REPEATS), default=2, help="repetitions, numbered 1..N")
    grid.add_argument("--functions", default="all", help=f"comma-separated from: {', '.join(FUNCTION_NAMES)}")
    run = parser.add_argument_group("how to run it")
    run.add_argument("--out", type=Path, default=REPO / "experiment_results" / "grid", help="results folder")
    run.add_argument("--epochs", type=at_most(MAX_TRAINING_EPOCHS), default=JobSpec.epochs,
                     help="maximum training epochs")
    run.add_argument("--no-train", action="store_true", help="use existing checkpoints only; skip jobs without one")
    run.add_argument("--workers", type=at_most(MAX_WORKERS), default=1, help="jobs run at the same time")
    run.add_argument("--backend", choices=("local", "dask"), default=None,
                     help="local processes or Dask distributed (default: dask if --scheduler is given)")
    run.add_argument("--scheduler", default=None, help="address of a running Dask scheduler, e.g. tcp://host:8786 "
                     "(default: start a LocalCluster of --workers processes)")
    add_device_option(run)
    run.add_argument("--group-training", action="store_true", help="train the networks still to train in stacked "
                     "groups of one architecture and depth first, each group a job (docs/grid.md)")
    run.add_argument("--group-size", type=at_most(MAX_GROUP_SIZE), default=None,
                     help=f"with --group-training: networks per group (default {GROUP_SIZE})")
    add_analysis_arguments(parser.add_argument_group("optional analyses, beyond the paper (docs/learning.md)"))
    scale = parser.add_argument_group("data sizes (the contract's defaults; small values make quick test runs)")
    scale.add_argument("--train-words", type=at_most(MAX_WORDS), default=JobSpec.training_words,
                       help="training words per network")
    scale.add_argument("--validation-words", type=at_most(MAX_WORDS), default=None,
                       help=f"validation words, whose hidden states are clustered; default the protocol's, "
                       f"{Protocol.spec().validation_words} for spec")
    scale.add_argument("--conformance-words", type=at_most(MAX_WORDS), default=JobSpec.conformance_words,
                       help="conformance-test words")
    scale.add_argument("--fit-fraction", type=fraction_of_one, default=None,
                       help="share of the vectors OPTICS and mean shift are fitted on; default the protocol's, "
                       f"{Protocol.spec().fit_fraction}")
    add_protocol_arguments(parser.add_argument_group("protocol"))
    args = parser.parse_args(argv)
    for option, needed in unused_options(args):
        parser.error(f"{option} needs {needed}")
    return with_option_defaults(args)


def add_analysis_arguments(group) -> None:
    """A flag per analysis of the registry, and its options."""
    for analysis in registry.ANALYSES:
        group.add_argument(analysis.flag, action="store_true", help=f"{analysis.help}, into OUT/{analysis.result_file}")
        for option in analysis.options:   # default None: an option given without its analysis is refused
            group.add_argument(option.flag, type=at_most(option.limit), default=None,
                               help=f"with {analysis.flag}: {option.help} (default {option.default})")


def unused_options(args) -> list[tuple[str, str]]:
    """(option, the flag it needs) for each option given without the flag that would use it."""
    pairs = [("--group-size", "--group-training", args.group_size, args.group_training)]
    pairs += [(option.flag, analysis.flag, getattr(args, option.name), getattr(args, analysis.name))
              for analysis in registry.ANALYSES for option in analysis.options]
    return [(option, needed) for option, needed, value, flag in pairs if value is not None and not flag]


def with_option_defaults(args) -> argparse.Namespace:
    """The options left out get their defaults (after unused_options has seen which were given)."""
    if args.group_size is None:
        args.group_size = GROUP_SIZE
    for analysis in registry.ANALYSES:
        for option in analysis.options:
            if getattr(args, option.name) is None:
                setattr(args, option.name, option.default)
    return args


def requested_analyses(args) -> tuple[tuple[str, ...], tuple]:
    """(names of the analyses asked for, their options that differ from the defaults as (name, value) pairs)."""
    names = tuple(analysis.name for analysis in registry.ANALYSES if getattr(args, analysis.name))
    options = tuple((option.name, getattr(args, option.name)) for analysis in registry.ANALYSES
                    for option in analysis.options
                    if analysis.name in names and getattr(args, option.name) != option.default)
    return names, options


# ---- the grid --------------------------------------------------------------------------------------------

def parse_languages(text: str) -> tuple[list[str], dict[str, str]]:
    """The languages named, and {name: absolute .dot path} for own automata (named by the file's stem)."""
    from stateclusters.automata import get_automaton, list_automata, regular_automaton_names
    registry = list_automata()
    groups = {"all": registry, "regular": regular_automaton_names(),
              "context_free": [name for name in registry if name not in regular_automaton_names()]}
    languages, files = [], {}
    for name in comma_list(text):
        if name in groups:
            languages.extend(groups[name])
        elif name in registry:
            languages.append(name)
        else:
            get_automaton(name)   # raises the registry's own message, or the file's problem
            path = Path(name).resolve()
            if path.stem in registry:
                raise UserError(f"{name}: its name '{path.stem}' (the file's stem) is a benchmark language's; "
                                "rename the file")
            if files.get(path.stem, str(path)) != str(path):
                raise UserError(f"{name} and {files[path.stem]} have the same name '{path.stem}'; rename one")
            files[path.stem] = str(path)
            languages.append(path.stem)
    if not languages:
        raise UserError("--languages names no language")
    return list(dict.fromkeys(languages)), files


def parse_sizes(text: str) -> list[tuple[int, Fraction]]:
    """'1x1,1x1.5,2x1' → [(1, 1), (1, 3/2), (2, 1)]: layers and a factor of opt, exactly (no float rounding)."""
    sizes = []
    for item in comma_list(text):
        match = SIZE_PATTERN.fullmatch(item)
        if not match or int(match[1]) < 1 or Fraction(match[2]) <= 0:
            raise UserError(f"size '{item}' is not LAYERSxFACTOR with LAYERS ≥ 1 and FACTOR > 0 (e.g. 1x1.5)")
        sizes.append((int(match[1]), Fraction(match[2])))
    if not sizes:
        raise UserError("--sizes names no size")
    return sizes


def language_sizes(language: str, automaton, requested) -> list[tuple[int, int]]:
    """(layers, hidden) of one language's networks, hidden = floor(factor·|Σ|·|Q|)."""
    from stateclusters.automata import input_alphabet, is_context_free
    from stateclusters.evaluation.network_data import automaton_size
    sizes = requested or CONTRACT_SIZES + (PDA_EXTRA_SIZES if is_context_free(automaton) else ())
    opt = len(input_alphabet(automaton)) * automaton_size(automaton)
    pairs = []
    for layers, factor in sizes:
        hidden = math.floor(factor * opt)
        if hidden < 1 or hidden > MAX_HIDDEN or layers > MAX_LAYERS:
            raise UserError(f"size {layers}x{factor} gives {layers} layer(s) of {hidden} hidden units for {language} "
                            f"(opt = {opt}); the sizes allowed are 1-{MAX_LAYERS} layers of 1-{MAX_HIDDEN} units")
        pairs.append((layers, hidden))
    return list(dict.fromkeys(pairs))


def build_grid(args) -> list[JobSpec]:
    """Every job of the requested slice, language by language; user mistakes are UserErrors."""
    from stateclusters.automata import get_automaton, is_context_free
    (languages, files), architectures = parse_languages(args.languages), parse_architectures(args.rnn)
    requested_sizes = parse_sizes(args.sizes) if args.sizes is not None else None
    functions = tuple(parse_function_names(args.functions))
    checkpoint_dir = str((args.out / "checkpoints").resolve())
    protocol = protocol_from_arguments(args)
    if args.fit_fraction is not None:
        protocol = dataclasses.replace(protocol, fit_fraction=args.fit_fraction)
    if args.validation_words is not None:
        protocol = protocol.with_validation_words(args.validation_words)
    analyses, analysis_options = requested_analyses(args)
    specs = []
    for language in languages:
        automaton = get_automaton(files.get(language, language))
        sizes = language_sizes(language, automaton, requested_sizes)
        language_protocol = protocol.for_family(is_context_free(automaton))
        for rnn in architectures:
            for layers, hidden in sizes:
                for repetition in range(1, args.repeats + 1):
                    specs.append(JobSpec(
                        language, rnn, layers, hidden, repetition, functions, checkpoint_dir, epochs=args.epochs,
                        training_words=args.train_words, conformance_words=args.conformance_words,
                        train=not args.no_train, device=args.device, automaton_file=files.get(language),
                        analyses=analyses, analysis_options=analysis_options, protocol=language_protocol))
    return specs


def choose_backend(args):
    """A generator factory: specs (and the job function, run_job by default) → (spec, record) pairs."""
    from stateclusters.grid.backends import run_in_pool, run_in_process, run_on_dask
    backend = args.backend or ("dask" if args.scheduler else "local")
    if args.scheduler and backend != "dask":
        raise UserError("--scheduler needs --backend dask")
    if args.scheduler and not SCHEDULER_ADDRESS.fullmatch(args.scheduler):
        raise UserError(f"--scheduler {args.scheduler!r} is not a scheduler address like tcp://host:8786")
    if backend == "dask":
        return lambda specs, job=None: run_on_dask(specs, args.workers, args.scheduler, job)
    if args.workers == 1:
        return run_in_process
    return lambda specs, job=None: run_in_pool(specs, args.workers, job)


# ---- the results folder ----------------------------------------------------------------------------------


def rebuild_merged_results(out_dir: Path, log) -> None:
    """The merged pickles, from the intact job records; an extra pickle no record feeds is removed (it is derived)."""
    records = list(read_job_files(out_dir, log).values())
    accuracy, ambiguity = merged_results(records)
    extras = merged_extras(records)
    write_results(out_dir, accuracy, ambiguity, extras)
    log.write(f"merged {len(accuracy)} result keys into {out_dir / ACCURACY_FILE} and {out_dir / AMBIGUITY_FILE}")
    warn_mixed_settings(records, log)
    files = extra_result_files()
    for field, merged in extras.items():
        if merged:
            log.write(f"merged {len(merged)} {field} keys into {out_dir / files[field]}")


def main(argv=None) -> int:
    args = parse_arguments(argv)
    check_output_folder(args.out, "--out")
    check_output_folder(args.out / "checkpoints", "--out (its checkpoints folder)")
    specs = build_grid(args)
    check_job_file_names(args.out, specs)
    backend = choose_backend(args)
    from stateclusters.networks.recurrent import (
        resolve_device,  # here: --help and argument mistakes must not wait for torch
    )
    resolve_device(args.device)
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with exclusive_lock(out_dir, "grid"), closing(RunLog(out_dir)) as log:
        log.write(f"arguments: {' '.join(sys.argv[1:] if argv is None else argv)}", echo=False)
        log.write(f"settings: {vars(args)}", echo=False)
        stale = remove_stale_temp_files(out_dir)
        if stale:
            log.write(f"removed {len(stale)} temp file(s) left by an interrupted run")
        previous = read_job_files(out_dir, log)
        to_run = [spec for spec in specs if not is_finished(previous.get(spec.name), spec)]
        log.write(f"{len(specs)} jobs in this slice: {len(specs) - len(to_run)} already finished, "
                  f"{len(to_run)} to run; log {log.path}")
        try:
            failed = train_groups(to_run, backend, args.group_size, log) if args.group_training else []
            for record in failed:   # a failed group's unsaved networks: failed jobs, never trained solo instead
                write_job_record(out_dir, record)
                log.write(job_line(record))
            lost = {record["name"] for record in failed}
            records = failed + run_jobs([spec for spec in to_run if spec.name not in lost], backend, out_dir, log)
        except KeyboardInterrupt:
            # Ctrl-C or SIGTERM (cli.run_cli raises it as a KeyboardInterrupt): keep what finished.
            log.write("interrupted: no new jobs; merging the finished ones")
            rebuild_merged_results(out_dir, log)
            raise
        rebuild_merged_results(out_dir, log)
        return report_run(records, time.perf_counter() - start, log)


run = command(main)

if __name__ == "__main__":
    run()
