"""The one exception type users can cause, with messages a youth worker understands."""


class RisksignalsError(Exception):
    """A problem with the user's input, files or settings (not a bug in risksignals).

    The CLI prints the message on one line and exits with code 2.
    """


class LexiconError(RisksignalsError):
    """A lexicon file is missing, unreadable or breaks the schema."""


class InputError(RisksignalsError):
    """An input file or column is missing or unreadable."""
