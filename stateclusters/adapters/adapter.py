"""The adapter protocol: a module file or an object with ALPHABET, classify(words) and maybe hidden_states(words),
classify_from(states, words) and STATE_PARTS; without hidden_states, maybe HIDDEN_STATES_SKIPPED (why it has none).

Words are tuples of ALPHABET entries. Everything an adapter returns is checked here, so that a wrong count or
shape is one UserError naming the adapter, never a confusing failure deep inside the clustering.
"""
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stateclusters.adapters.labels import label_texts
from stateclusters.base.errors import UserError

PROBE_WORDS = 8   # words sent to a freshly loaded adapter, so that a broken one fails before any long work


@dataclass(frozen=True, eq=False)
class Adapter:
    """A checked view of a user's network: its alphabet, and classify / hidden_states that validate what they get."""
    source: object
    name: str
    alphabet: tuple

    @property
    def letter_names(self) -> tuple[str, ...]:
        """str() of each letter: how letters are written in words files, automata and results."""
        return tuple(str(letter) for letter in self.alphabet)

    @property
    def has_hidden_states(self) -> bool:
        return callable(getattr(self.source, "hidden_states", None))

    @property
    def hidden_states_skipped(self) -> str:
        """Why the network has no hidden_states: its HIDDEN_STATES_SKIPPED (e.g. an encoder's vectors see the
        letters after them), else that the adapter has none."""
        reason = getattr(self.source, "HIDDEN_STATES_SKIPPED", None)
        if reason is None:
            return "the adapter has no hidden_states"
        if not isinstance(reason, str) or not reason.strip() or "\n" in reason.strip():
            raise UserError(f"adapter {self.name}: HIDDEN_STATES_SKIPPED must be one line of text, not {reason!r}")
        return reason.strip()

    @property
    def has_classify_from(self) -> bool:
        return callable(getattr(self.source, "classify_from", None))

    def classify(self, words: list[tuple]) -> np.ndarray:
        """One label per word, as the str of its plain value (adapters/labels.py; automaton outputs are str)."""
        words = list(words)
        if not words:
            return np.array([], dtype=str)
        return label_texts(_call(self, "classify", words), len(words), self.name)

    def classify_from(self, states: np.ndarray, words: list[tuple]) -> np.ndarray:
        """The class after reading words[i] from the vector states[i] (rows as hidden_states gives them), as str."""
        if not self.has_classify_from:
            raise UserError(f"adapter {self.name} has no classify_from")
        words = list(words)
        states = np.asarray(states, dtype=np.float64)
        if states.ndim != 2 or len(states) != len(words):
            raise UserError(f"adapter {self.name}: classify_from needs one state row per word; got states of shape "
                            f"{states.shape} for {len(words)} words")
        if not words:
            return np.array([], dtype=str)
        return label_texts(_call(self, "classify_from", states, words), len(words), self.name, "classify_from")

    def state_parts(self, width: int) -> dict[str, slice]:
        """The optional STATE_PARTS ({name: column slice} of a hidden-state vector of this width); {} without it."""
        parts = getattr(self.source, "STATE_PARTS", None)
        if parts is None:
            return {}
        if not isinstance(parts, dict):
            raise UserError(f"adapter {self.name}: STATE_PARTS must be a dict of names to column slices")
        return {str(name): _checked_part(self, name, part, width) for name, part in parts.items()}

    def hidden_states(self, words: list[tuple]) -> list[np.ndarray]:
        """One (len(word), d) float array per word, d the same for every word."""
        if not self.has_hidden_states:
            raise UserError(f"adapter {self.name} has no hidden_states")
        words = list(words)
        arrays = _float_arrays(self, _call(self, "hidden_states", words))
        if len(arrays) != len(words):
            raise UserError(f"adapter {self.name}: hidden_states returned {len(arrays)} arrays for {len(words)} words")
        widths = {array.shape[1] for array in arrays if array.ndim == 2}
        for word, array in zip(words, arrays):
            if array.ndim != 2 or array.shape[0] != len(word) or len(widths) != 1:
                raise UserError(f"adapter {self.name}: hidden_states gave shape {array.shape} for a word of "
                                f"{len(word)} letters; expected ({len(word)}, d) with one d for every word")
        return arrays

    def stacked_hidden_states(self, words: list[tuple]) -> np.ndarray:
        """Every letter occurrence's vector, in word order (docs/contract.md, Labelings)."""
        arrays = [array for array in self.hidden_states(words) if len(array)]
        return np.concatenate(arrays) if arrays else np.zeros((0, 0))


def _float_arrays(adapter: Adapter, states) -> list[np.ndarray]:
    """What hidden_states returned, as float arrays; anything that is not numbers is one UserError."""
    try:
        return [np.asarray(vectors, dtype=np.float64) for vectors in states]
    except (TypeError, ValueError) as error:
        raise UserError(f"adapter {adapter.name}: hidden_states must return one array of numbers per word "
                        f"({type(error).__name__}: {error})") from None


def _checked_part(adapter: Adapter, name, part, width: int) -> slice:
    """A STATE_PARTS entry: a non-empty slice of step 1 inside a vector of `width` columns."""
    whole = (int, np.integer)
    if not (isinstance(part, slice) and part.step in (None, 1) and isinstance(part.start or 0, whole)
            and isinstance(part.stop, whole) and 0 <= (part.start or 0) < part.stop <= width):
        raise UserError(f"adapter {adapter.name}: STATE_PARTS[{name!r}] = {part!r} is not a non-empty slice "
                        f"of step 1 inside the {width} columns of a hidden state")
    return slice(int(part.start or 0), int(part.stop))


def _call(adapter: Adapter, method: str, *arguments):
    try:
        return getattr(adapter.source, method)(*arguments)
    except UserError:
        raise
    except SystemExit as exit_:   # sys.exit in an adapter ends its call, not the analysis with a bare line
        raise UserError(f"adapter {adapter.name}: {method} called sys.exit({exit_.code!r})") from None
    except Exception as error:
        raise UserError(f"adapter {adapter.name}: {method} failed ({type(error).__name__}: {error})") from None


def as_adapter(network, name: str | None = None) -> Adapter:
    """An Adapter around an object or module with ALPHABET and classify; an Adapter is returned as it is."""
    if isinstance(network, Adapter):
        return network
    name = name or getattr(network, "__name__", None) or type(network).__name__
    for required in ("ALPHABET", "classify"):
        if not hasattr(network, required):
            raise UserError(f"adapter {name} has no {required}")
    if not callable(network.classify):
        raise UserError(f"adapter {name}: classify is not callable")
    alphabet = _checked_alphabet(network.ALPHABET, name)
    return Adapter(network, name, alphabet)


def _checked_alphabet(alphabet, name: str) -> tuple:
    try:
        letters = tuple(alphabet)
        names = [str(letter) for letter in letters]
        hash(letters)
    except TypeError as error:
        raise UserError(f"adapter {name}: ALPHABET must be a list of hashable letters ({error})") from None
    if not letters:
        raise UserError(f"adapter {name}: ALPHABET is empty")
    if len(set(names)) != len(names) or any(not text or text != text.strip() or " " in text for text in names):
        raise UserError(f"adapter {name}: the str() of the ALPHABET letters must be distinct words without spaces")
    return letters


def load_adapter(path: str | Path, name: str | None = None) -> Adapter:
    """Import an adapter module from a .py file (named `name`, else by its path); a missing file or a failing
    import is a UserError."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"--network {path} is a folder; name an adapter's .py file")
    if not path.is_file():
        raise UserError(f"--network {path} does not exist" if not path.exists() else
                        f"--network {path} is not a regular file")
    module_name = f"stateclusters_adapter_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise UserError(f"--network {path} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module   # dataclasses and pickling inside the module look themselves up here
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:   # sys.exit at import too: one line, exit code 2
        del sys.modules[module_name]
        described = f"sys.exit({error.code!r})" if isinstance(error, SystemExit) else f"{type(error).__name__}: {error}"
        raise UserError(f"--network {path} cannot be imported ({described})") from None
    return as_adapter(module, name=name or str(path))


def probe(adapter: Adapter, seed: int = 0) -> None:
    """Send a few short words to classify (and hidden_states), so that a broken adapter fails at once."""
    rng = np.random.default_rng(seed)
    words = [tuple(adapter.alphabet[i] for i in rng.integers(0, len(adapter.alphabet), size=length))
             for length in range(1, PROBE_WORDS + 1)]
    adapter.classify(words)
    if adapter.has_hidden_states:
        adapter.hidden_states(words)
