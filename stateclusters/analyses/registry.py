"""The grid's optional analyses, one row each: its flag and help, its options, its record field and result file.

Each row names a module (in analyses/grid_rows/) that holds the rest of the analysis's one home:
`settings(options)`, what a job record stores of its settings; `run(data, spec)`, its record value; `is_valid(merged)`,
the check of its result file; `summary_lines(merged, view)`, its lines in the statistics. The runner, the job,
the merge and the statistics iterate ANALYSES; adding an analysis is one module and one row. Light to import:
the modules import their heavy code inside `run`.
"""
import importlib
from dataclasses import dataclass

from stateclusters.base.catalogue import EQ_WORDS, MAX_WORDS, MEMBERSHIP_QUERIES


def flag_for(name: str) -> str:
    """The command-line option of a setting named in snake case."""
    return "--" + name.replace("_", "-")


@dataclass(frozen=True)
class Option:
    """A numeric setting of one analysis: its command-line option --{name with dashes}."""
    name: str
    default: int
    help: str
    limit: int = MAX_WORDS   # the most it may ask for (base/catalogue.py), refused above

    @property
    def flag(self) -> str:
        return flag_for(self.name)


@dataclass(frozen=True)
class Analysis:
    name: str           # its flag (--name, dashes for underscores) and its key in a job's settings
    field: str          # its value's key in a job record
    result_file: str    # the merged file OUT/{result_file}
    module: str         # the module of settings / run / is_valid / summary_lines
    help: str
    options: tuple[Option, ...] = ()
    per_labeling: bool = True   # the record value is {labeling: {...}}; else one value for every labeling's key

    @property
    def flag(self) -> str:
        return flag_for(self.name)

    def functions(self):
        return importlib.import_module(self.module)


ROWS = "stateclusters.analyses.grid_rows"
ANALYSES = (
    Analysis("extract", "extraction", "extraction.pickle", f"{ROWS}.extract",
             "also build, minimise and compare the automata of the k_means_8 and DBSCAN clusters (regular / "
             "stackless labels)"),
    Analysis("length_generalisation", "length_generalisation", "length_generalisation.pickle",
             f"{ROWS}.length_generalisation", "also score each function on words of length 1-50"),
    Analysis("learn", "learning", "learning.pickle", f"{ROWS}.learn",
             "also learn automata from each network with AALpy's L* and KV (a VPA with KV for PDAs)",
             options=(Option("learn_words", EQ_WORDS, "random words of length 1-30 per equivalence query"),
                      Option("learn_queries", MEMBERSHIP_QUERIES, "membership-query budget of one learning run"))),
    Analysis("accuracy_live", "accuracy_live", "accuracy_live.pickle", f"{ROWS}.accuracy_live",
             "also the every-prefix test on words drawn like the training words", per_labeling=False),
    Analysis("layer_ambiguity", "layer_ambiguity", "layer_ambiguity.pickle", f"{ROWS}.layer_ambiguity",
             "also score each function on each layer's state alone, for networks of 2+ layers"),
    Analysis("faithfulness", "faithfulness", "faithfulness.pickle", f"{ROWS}.faithfulness",
             "also the Myhill-Nerode scores and the interventions on each function's clusters "
             "(docs/faithfulness.md)", per_labeling=False),
)


def analysis_named(name: str) -> Analysis:
    return next(analysis for analysis in ANALYSES if analysis.name == name)


@dataclass(frozen=True)
class StatisticsView:
    """What an analysis's summary may read: the merged contract files, the selected keys, the other analyses."""
    accuracy: dict
    ambiguity: dict
    keys_by_set: dict      # {"regular": [...], "stackless": [...]}: the keys the statistics selected
    merged: dict           # {analysis name: its merged file, or None where the folder has none}
