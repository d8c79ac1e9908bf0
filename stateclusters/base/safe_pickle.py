"""Reading result pickles without running anything they hold: only plain containers and numbers are allowed.

Results folders get shared, and plain `pickle.load` runs whatever callable a crafted file names. Our result
files and job records, and the paper's, hold builtins only.
"""
import io
import pickle

from stateclusters.base.errors import UserError

# What a protocol-0/1/2 pickle of plain data may name; protocol 4 and 5 need none of these.
ALLOWED_GLOBALS = frozenset({("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"),
                             ("builtins", "bytearray"), ("collections", "OrderedDict"),
                             ("_codecs", "encode"),   # bytes in protocols 0-2: encode(text, "latin1"), harmless
                             ("__builtin__", "set"), ("__builtin__", "frozenset"), ("__builtin__", "complex")})


class UnsafePickleError(UserError):
    """A pickle that names something beyond plain data: refused before it could run."""


class _PlainDataUnpickler(pickle.Unpickler):
    def __init__(self, file, source: str):
        super().__init__(file)
        self.source = source

    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED_GLOBALS:
            raise UnsafePickleError(f"{self.source} names {module}.{name}, which no result file holds; refused "
                                    "without loading it (result files hold plain containers and numbers only)")
        return super().find_class(module, name)


def load_plain(file, source: str):
    """Unpickle plain data (dicts, lists, tuples, sets, strings, numbers, None) from an open binary file."""
    return _PlainDataUnpickler(file, source).load()


def loads_plain(data: bytes, source: str = "the pickle"):
    return load_plain(io.BytesIO(data), source)
