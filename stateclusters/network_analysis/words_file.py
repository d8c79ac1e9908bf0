"""A words file: one word per line, letters separated by spaces or tabs, each the str() of an ALPHABET entry."""
import re
from pathlib import Path

from stateclusters.base.catalogue import (
    MAX_PREFIX_LETTERS,
    MAX_TOTAL_LETTERS,
    MAX_WORD_LETTERS,
    MAX_WORDS,
    MAX_WORDS_FILE_BYTES,
)
from stateclusters.base.errors import UserError

LETTER_SEPARATOR = re.compile(r"[ \t]+")   # spaces and tabs; other whitespace is no separator but a bad letter


def read_words_file(path: str | Path, letter_names) -> list[tuple[str, ...]]:
    """Words of letter names (an empty line is the empty word); a letter outside the alphabet names its line.
    The file's bytes, words and letters are bounded (base/catalogue.py), each checked before it costs memory."""
    path = Path(path)
    known = set(letter_names)
    words, letters = [], 0
    for number, line in enumerate(_lines(_words_text(path)), start=1):
        # Split once past the longest word allowed: a longer line shows as one letter too many, unsplit.
        word = tuple(letter for letter in LETTER_SEPARATOR.split(line.strip(" \t"), MAX_WORD_LETTERS) if letter)
        letters += len(word)
        if len(word) > MAX_WORD_LETTERS or letters > MAX_TOTAL_LETTERS or number > MAX_WORDS:
            raise UserError(f"--words {path} line {number}: past the limits of {MAX_WORD_LETTERS} letters per word, "
                            f"{MAX_TOTAL_LETTERS} letters and {MAX_WORDS} words in all")
        unknown = next((letter for letter in word if letter not in known), None)
        if unknown is not None:
            raise UserError(f"--words {path} line {number}: letter {unknown!r} is not in the network's alphabet "
                            f"({', '.join(sorted(known))})")
        words.append(word)
    if not any(words):
        raise UserError(f"--words {path} holds no non-empty word")
    return words


def _words_text(path: Path) -> str:
    """The file's text, refused unread when it is no regular file or larger than MAX_WORDS_FILE_BYTES."""
    if path.is_dir():
        raise UserError(f"--words {path} is a folder; name a words file")
    try:
        size = path.stat().st_size
        if not path.is_file():   # a device or a pipe: its size says nothing of what reading it would take
            raise UserError(f"--words {path} is not a regular file")
        if size > MAX_WORDS_FILE_BYTES:
            raise UserError(f"--words {path} has {size} bytes; at most {MAX_WORDS_FILE_BYTES}")
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UserError(f"--words {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"--words {path} cannot be read ({error})") from None


def _lines(text: str):
    """Lines end at '\n' or '\r\n' only: a form feed or U+2028 (str.splitlines ends lines there) stays in its
    line, where it is a bad letter on the line the user sees it on. One at a time, so that a refusal comes
    before the rest of the file is split."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end].removesuffix("\r")
        start = end + 1


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
    prefix_letters = sum(len(word) * (len(word) + 1) // 2 for word in words)
    if prefix_letters > MAX_PREFIX_LETTERS:
        raise UserError(f"{source} hold {prefix_letters} letters in their prefixes; at most {MAX_PREFIX_LETTERS} "
                        f"(fewer long words)")
