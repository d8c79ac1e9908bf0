"""A network's labels as plain values: what `classify` returns, made comparable before anything compares it.

Python, numpy and torch bools, ints and floats, 0-d arrays and one-element rows of an `(n, 1)` array or tensor
become Python scalars; a float with an integer value becomes that int (argmax and `.round()` give either). Each
label is then written as its str(): `True`, `1`, `yes`. Anything else (None, a list of several values, an
object) is refused with one line naming it.
"""
import numbers

import numpy as np

from stateclusters.base.errors import UserError


def plain_label(label):
    """A Python bool, int, float or str for one label; TypeError when it is none of those."""
    if hasattr(label, "detach"):                       # a torch tensor (torch is not imported for this)
        label = label.detach().cpu().numpy()
    if isinstance(label, np.ndarray):
        if label.size != 1:
            raise TypeError(f"an array of shape {label.shape}")
        label = label.reshape(()).item()
    if isinstance(label, np.generic):
        label = label.item()
    if isinstance(label, (bool, str)):
        return label
    if isinstance(label, numbers.Integral):
        return int(label)
    if isinstance(label, numbers.Real):
        value = float(label)
        return int(value) if value.is_integer() else value
    raise TypeError(f"a {type(label).__name__}")


def label_rows(labels) -> list:
    """The labels of a classify call as a list of single labels: an (n,) or (n, 1) array or tensor, or a list."""
    if hasattr(labels, "detach"):
        labels = labels.detach().cpu().numpy()
    if isinstance(labels, np.ndarray):
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.ndim != 1:
            raise TypeError(f"an array of shape {labels.shape}, not (n,) or (n, 1)")
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__iter__"):
        raise TypeError(f"a {type(labels).__name__}, not a sequence of labels")
    return list(labels)


def label_texts(labels, n_words: int, adapter_name: str, method: str = "classify") -> np.ndarray:
    """One str per word for what classify (or classify_from) returned; a wrong count or type is one UserError."""
    try:
        rows = label_rows(labels)
    except TypeError as error:
        raise UserError(f"adapter {adapter_name}: {method} returned {error}") from None
    if len(rows) != n_words:
        raise UserError(f"adapter {adapter_name}: {method} returned {len(rows)} labels for {n_words} words")
    texts = []
    for row in rows:
        try:
            texts.append(str(plain_label(row)))
        except TypeError as error:
            raise UserError(f"adapter {adapter_name}: {method} returned a label that is {error}, not a bool, "
                            f"number or string ({row!r:.60})") from None
    return np.array(texts, dtype=object).astype(str)
