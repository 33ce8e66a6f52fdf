"""The hub's commands are Django management commands kept in the app they belong to
(``<app>/management/commands/``); the ``cchub`` console script finds and runs them (``cchub
reindex``), and so does ``cchub manage reindex``.

A command implements ``run(args) -> exit code`` and prints its progress and results."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

# Django's own options (verbosity, settings, traceback…) mean nothing to these commands:
# they stay out of ``cchub <command> --help``.
DJANGO_OPTIONS = {
    "--version", "--verbosity", "--settings", "--pythonpath", "--traceback", "--no-color",
    "--force-color",
}


class HubCommand(BaseCommand):
    suppressed_base_arguments = DJANGO_OPTIONS
    requires_system_checks: list[str] = []  # the console script has set Django up already

    # Each command's own work: its parsed arguments in, the exit code out.
    run: Callable[[argparse.Namespace], int]

    def handle(self, *positional: Any, **options: Any) -> None:
        code = self.run(argparse.Namespace(**options))
        if code:
            raise CommandError(f"{self.__module__.rsplit('.', 1)[-1]} failed", returncode=code)


def run_command(command: BaseCommand, name: str, argv: list[str]) -> int:
    """Run a hub command as the console script does: arguments parsed as on the command line
    (a usage error exits with status 2), the command's own exit code returned."""
    command._called_from_command_line = True  # type: ignore[attr-defined]
    parser = command.create_parser("cchub", name)
    options = parser.parse_args(argv)
    if isinstance(command, HubCommand):
        return int(command.run(options) or 0)
    command.execute(**vars(options))
    return 0
