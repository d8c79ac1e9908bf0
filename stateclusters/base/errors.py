"""User-facing errors: raised with a clear message, turned into one line and exit code 2 at the CLI."""


class UserError(Exception):
    """A mistake in what the user asked for (a name, a file, an option)."""


class AutomatonError(UserError):
    """An automaton name or file that cannot be used."""


class CheckpointError(UserError):
    """A checkpoint that is missing, corrupt or does not match the requested network."""


class ResultFileError(UserError):
    """A result file that is missing, corrupt or truncated."""


class DiskFullError(UserError):
    """A write that ran out of space (ENOSPC, or a quota): one line naming the file."""
