"""What the CLI says to its user on stdout (logging goes to stderr)."""

from __future__ import annotations

import sys


def say(text: str = "") -> None:
    """Write a line for the user to stdout."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def fail(text: str) -> int:
    """Write an error for the user to stderr and return the exit code 2."""
    sys.stderr.write(f"leadconv: error: {text}\n")
    return 2
