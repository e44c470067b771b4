"""The base of every refusal a user can act on: the CLI prints it as one line, a flow ends Failed with it."""


class Refused(Exception):
    """An action refused by a rule (unknown cycle or unit, a closed stage, a missing reason): not a bug."""
