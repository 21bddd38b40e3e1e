"""What the CLI says to its user on stdout (logging goes to stderr)."""

from __future__ import annotations

import argparse
import copy
import sys


def say(text: str = "") -> None:
    """Write a line for the user to stdout."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def fail(text: str) -> int:
    """Write an error for the user to stderr and return the exit code 2."""
    sys.stderr.write(f"leadconv: error: {text}\n")
    return 2


class HelpFormatter(argparse.HelpFormatter):
    """``--help`` that shows each option's default: `` (default: 90)`` after its help, unless
    the help already says its default or there is none (None, False, an empty list)."""

    @staticmethod
    def _has_default(action: argparse.Action) -> bool:
        default = action.default
        return not (default is None or default is False or default == []
                    or default is argparse.SUPPRESS or not action.option_strings)

    def add_argument(self, action: argparse.Action) -> None:
        if action.help is None and self._has_default(action):  # listed with its default only
            action = copy.copy(action)
            action.help = "(default: %(default)s)"
        super().add_argument(action)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or not self._has_default(action):
            return action.help
        return f"{text} (default: %(default)s)"


class RawHelpFormatter(argparse.RawDescriptionHelpFormatter, HelpFormatter):
    """``HelpFormatter`` that keeps the description's own line breaks (a module docstring)."""
