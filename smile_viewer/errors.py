"""Exceptions that mean "the user's input is wrong" (as opposed to a bug).

The command line turns these into a one-line message and exit status 2; the desktop
application shows them in a dialog. Library code raises them with a message that names
the offending field, value or file.
"""

from __future__ import annotations

#: Control characters (except tab/newline, which ``split`` removes) shown as "?" in messages.
_CONTROL = {c: "?" for c in (*range(0, 9), 11, 12, *range(14, 32), 127)}


class UserInputError(ValueError):
    """Invalid input from a user: a bad value, time string, frame name or option."""


class DataFileError(UserInputError):
    """A data file that cannot be read or does not hold what it should.

    The message names the file and the problem.
    """

    def __init__(self, path, problem: str):
        self.path = str(path)
        # one line whatever a parser's message held (line breaks, control bytes of a damaged file)
        problem = " ".join(str(problem).translate(_CONTROL).split())
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
