"""The paper's published checkpoints: their names, the automaton each was trained on, and its result keys."""
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from stateclusters.base.catalogue import RECURRENT_TYPES
from stateclusters.base.errors import UserError
from stateclusters.base.keys import NetworkId, parse_network_name
from stateclusters.results.tidy import grid_identity

MODELS_FOLDER = Path("rnn_data") / "models" / "exp_models"
AUTOMATA_FOLDER = Path("automata_models")
CHECKPOINT_SUFFIX = "_gpu.pt"
# Hand-written languages: the paper's name in checkpoints -> (its .dot file, AALpy automaton type).
NAMED_DOT_FILES = {
    "tomita1": ("tomita_1.dot", "dfa"), "tomita2": ("tomita_2.dot", "dfa"), "tomita3": ("tomita_3.dot", "dfa"),
    "tomita4": ("tomita_4.dot", "dfa"), "tomita5": ("tomita_5.dot", "dfa"), "tomita6": ("tomita_6.dot", "dfa"),
    "tomita7": ("tomita_7.dot", "dfa"), "angluin": ("angluin.dot", "dfa"), "regex": ("regex_paper.dot", "dfa"),
    "coffee": ("Coffee_machine.dot", "mealy"), "mqtt": ("MQTT.dot", "mealy"),
}
CONTEXT_FREE = re.compile(r"^CFG_L_(\d+)$")
# Our labeling names -> the paper's in its result keys.
PAPER_LABELING = {"regular": "regular", "stackless": "stackless", "stack_size": "stackful",
                  "top_of_stack": "top_of_stack"}


@dataclass(frozen=True)
class PaperNetwork(NetworkId):
    """One published checkpoint, `{network name}_gpu.pt`; its language is the paper's name (tomita3, CFG_L_13,
    dfa_size_5_inputs_2_2.dot, ...)."""

    @property
    def stem(self) -> str:
        """The file name without .pt, e.g. tomita3_gru_1_10_1_gpu."""
        return self.name + CHECKPOINT_SUFFIX[:-len(".pt")]

    def result_key(self, labeling: str) -> str:
        return f"{self.stem}_{PAPER_LABELING[labeling]}"

    @property
    def context_free(self) -> bool:
        return CONTEXT_FREE.match(self.language) is not None


def split_result_key(key: str) -> tuple[str, str]:
    """(checkpoint stem, the paper's labeling) of a result key made by PaperNetwork.result_key."""
    stem, labeling = key.rsplit("_gpu_", 1)
    return f"{stem}_gpu", labeling


def our_result_key(key: str) -> str | None:
    """The key of ours that a result key of evaluate_paper_networks.py stands for (`…_gpu_stackful` →
    `…_stack_size`), or None when `key` is not one."""
    ours = {paper: labeling for labeling, paper in PAPER_LABELING.items()}
    if "_gpu_" not in key:
        return None
    stem, labeling = split_result_key(key)
    return f"{stem[:-len('_gpu')]}_{ours[labeling]}" if labeling in ours else None


def result_key_identity(key: str) -> dict:
    """results.csv's identity columns of a result key of evaluate_paper_networks.py: the network's fields and
    our labeling name, as for the same network of ours (`…_gpu_stackful` → …, labeling stack_size)."""
    return grid_identity(our_result_key(key) or key)


def parse_checkpoint_name(path: Path) -> PaperNetwork | None:
    """The network a checkpoint file holds, or None when its name does not have the paper's form."""
    name = Path(path).name
    if not name.endswith(CHECKPOINT_SUFFIX):
        return None
    try:
        network = parse_network_name(name[:-len(CHECKPOINT_SUFFIX)])
    except ValueError:
        return None
    return PaperNetwork(**asdict(network)) if network.rnn in RECURRENT_TYPES else None


def language_source(language: str) -> tuple[str, str] | None:
    """('dot', type) and the .dot file name, ('pda', name) for L1-L15, or None for an unknown language."""
    if language in NAMED_DOT_FILES:
        file_name, automaton_type = NAMED_DOT_FILES[language]
        return file_name, automaton_type
    if re.fullmatch(r"dfa_size_\d+_inputs_\d+_\d+\.dot", language):
        return language, "dfa"
    if re.fullmatch(r"moore_size_\d+_inputs_\d+_output\d+_\d+\.dot", language):
        return language, "moore"
    match = CONTEXT_FREE.match(language)
    if match and 1 <= int(match[1]) <= 15:
        return language, "pda"
    return None


def check_paper_repo(folder: Path) -> None:
    """Refuse a folder that is missing or lacks the paper repository's layout."""
    if not folder.exists():
        raise UserError(f"--paper-repo {folder}: no such folder")
    if not folder.is_dir():
        raise UserError(f"--paper-repo {folder} is a file, not a folder")
    for needed in (AUTOMATA_FOLDER, MODELS_FOLDER):
        if not (folder / needed).is_dir():
            raise UserError(f"--paper-repo {folder} has no {needed}/ folder; give a checkout of the paper's "
                            "repository (DES-Lab/Clustering_RNN_hidden_state_space)")
