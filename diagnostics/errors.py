"""One exception family with messages written for the user.

The CLI turns a `SpcopilotError` into its message and exit code 2; the server into an LSP
error and a log line.
"""


class SpcopilotError(Exception):
    """An error whose message tells the user what went wrong and what to do."""


class ConfigError(SpcopilotError):
    pass


class InputError(SpcopilotError):
    """A file or directory that cannot be read."""
