"""Small helpers shared by the modules: progress lines and number formatting."""

import sys


def log(message):
    """Progress goes to standard error; the table goes to standard output."""
    print(message, file=sys.stderr, flush=True)


def threads_text(n):
    return f"{n} thread{'s' if n != 1 else ''}"


def fmt(value, spec):
    return "n/a" if value is None else format(value, spec)
