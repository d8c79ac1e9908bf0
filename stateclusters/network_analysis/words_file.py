"""A words file: one word per line, letters separated by spaces or tabs, each the str() of an ALPHABET entry."""
import re
from pathlib import Path

from stateclusters.base.catalogue import MAX_TOTAL_LETTERS, MAX_WORD_LETTERS
from stateclusters.base.errors import UserError

LETTER_SEPARATOR = re.compile(r"[ \t]+")   # spaces and tabs; other whitespace is no separator but a bad letter


def read_words_file(path: str | Path, letter_names) -> list[tuple[str, ...]]:
    """Words of letter names (an empty line is the empty word); a letter outside the alphabet names its line."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"--words {path} is a folder; name a words file")
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UserError(f"--words {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"--words {path} cannot be read ({error})") from None
    known = set(letter_names)
    words = []
    for number, line in enumerate(_lines(text), start=1):
        word = tuple(letter for letter in LETTER_SEPARATOR.split(line) if letter)
        unknown = next((letter for letter in word if letter not in known), None)
        if unknown is not None:
            raise UserError(f"--words {path} line {number}: letter {unknown!r} is not in the network's alphabet "
                            f"({', '.join(sorted(known))})")
        words.append(word)
    if not any(words):
        raise UserError(f"--words {path} holds no non-empty word")
    return words


def _lines(text: str) -> list[str]:
    """Lines end at '\n' or '\r\n' only: a form feed or U+2028 (str.splitlines ends lines there) stays in its
    line, where it is a bad letter on the line the user sees it on."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()   # the newline that ends the last line starts no word
    return [line.removesuffix("\r") for line in lines]


def as_adapter_words(words, letter_names, alphabet) -> list[tuple]:
    """The same words with the adapter's own letter objects."""
    letter_of = dict(zip(letter_names, alphabet))
    return [tuple(letter_of[name] for name in word) for word in words]


def check_word_sizes(words, source: str = "the words") -> None:
    """Refuse words whose prefixes would cost too much, before any of them is classified."""
    longest = max(map(len, words), default=0)
    if longest > MAX_WORD_LETTERS:
        raise UserError(f"{source} hold a word of {longest} letters; at most {MAX_WORD_LETTERS} per word")
    total = sum(map(len, words))
    if total > MAX_TOTAL_LETTERS:
        raise UserError(f"{source} hold {total} letters in all; at most {MAX_TOTAL_LETTERS}")
