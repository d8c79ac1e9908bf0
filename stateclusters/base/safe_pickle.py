"""Reading result pickles without running anything they hold: dicts, lists, tuples, strings, numbers, booleans
and None, nothing else.

Results folders get shared, and plain `pickle.load` runs whatever callable a crafted file names. Our result
files and job records, and the paper's, hold those plain types only. Every opcode is checked before anything is
built, so a file can neither name a callable nor make the unpickler allocate what its size does not hold (a
bytearray or memo entry of a TiB from a 120-byte file).
"""
import io
import pickle
import pickletools

from stateclusters.base.errors import UserError

# The opcodes (pickletools' names) that build the plain types, of every protocol, and the stack, memo and frames.
PLAIN_OPCODES = frozenset({
    "PROTO", "FRAME", "STOP", "MARK", "POP", "POP_MARK", "DUP",
    "PUT", "BINPUT", "LONG_BINPUT", "GET", "BINGET", "LONG_BINGET", "MEMOIZE",
    "NONE", "NEWTRUE", "NEWFALSE", "INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4",
    "FLOAT", "BINFLOAT", "STRING", "BINSTRING", "SHORT_BINSTRING",
    "UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8",
    "EMPTY_DICT", "DICT", "SETITEM", "SETITEMS", "EMPTY_LIST", "LIST", "APPEND", "APPENDS",
    "EMPTY_TUPLE", "TUPLE", "TUPLE1", "TUPLE2", "TUPLE3",
})
MEMO_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
PLAIN_TYPES = "dicts, lists, tuples, strings, numbers, booleans and None"


class UnsafePickleError(UserError):
    """A pickle that holds something beyond plain data: refused before anything in it was built."""


def check_plain_opcodes(data: bytes, source: str) -> None:
    """Refuse a pickle with an opcode beyond PLAIN_OPCODES, or a memo index beyond its own length.

    pickletools reads each argument from the bytes there are (never allocating what a length field claims);
    a truncated or malformed pickle is a ValueError, as pickle's own are.
    """
    recent_strings = []   # protocol 4's STACK_GLOBAL takes its module and name from the two strings before it
    for count, (opcode, argument, _) in enumerate(pickletools.genops(io.BytesIO(data))):
        if opcode.name in ("GLOBAL", "INST"):
            raise _refused(source, f"names {argument.replace(' ', '.')}")
        if opcode.name == "STACK_GLOBAL":
            raise _refused(source, f"names {'.'.join(recent_strings[-2:])}")
        if opcode.name not in PLAIN_OPCODES:
            raise _refused(source, f"holds the pickle opcode {opcode.name}")
        if opcode.name in MEMO_PUTS and argument > count:   # real pickles number their memo entries in order
            raise _refused(source, f"holds a memo index ({argument}) beyond its own length")
        if isinstance(argument, str):
            recent_strings.append(argument)


def _refused(source: str, what: str) -> UnsafePickleError:
    return UnsafePickleError(f"{source} {what}, which no result file holds; refused without loading it "
                             f"(result files hold {PLAIN_TYPES} only)")


class _PlainDataUnpickler(pickle.Unpickler):
    def __init__(self, file, source: str):
        super().__init__(file)
        self.source = source

    def find_class(self, module: str, name: str):
        # Unreachable after check_plain_opcodes; kept so that no path of this class ever imports a name.
        raise _refused(self.source, f"names {module}.{name}")


def load_plain(file, source: str):
    """Unpickle plain data (dicts, lists, tuples, strings, numbers, booleans, None) from an open binary file."""
    return loads_plain(file.read(), source)


def loads_plain(data: bytes, source: str = "the pickle"):
    check_plain_opcodes(data, source)
    return _PlainDataUnpickler(io.BytesIO(data), source).load()
