"""The ``cchub`` console script: the hub-wide commands below, and every app's management
commands (``<app>/management/commands/``) by their names, with ``_`` written ``-``.

    cchub serve [--host 127.0.0.1] [--port 8000] [--threads 8]
    cchub migrate
    cchub load-demo
    cchub createadmin [--username admin] [--email ...]   (password asked, or CCHUB_ADMIN_PASSWORD)
    cchub import FILE [--dry-run]                         (.json export, or survey .csv/.xlsx)
    cchub export [DIRECTORY]                              (registry.json + one CSV per type)
    cchub release VERSION --title TITLE [--notes TEXT]
    cchub reindex [--type centre]                         (rebuilds the search index)
    cchub worker [--no-schedule]                          (runs background and periodic tasks)
    cchub glossary-import FILE [--dry-run]                (merge a SKOS file into the glossary)
    cchub ingest [--source ID] [--file F --centre SLUG --kind K] [--dry-run]  (training sources)
    cchub publish                                         (publish every record again for OAI-PMH)
    cchub source-add SLUG URL [--kind cchub|oai-pmh|jsonld] [--allow-private] [--reexport]
    cchub harvest [SLUG ...] [--full]                     (harvest other hubs now)
    cchub report [--from DATE] [--to DATE] [--format html|pdf|csv] [--output FILE]
    cchub support-round                                   (SLA warnings, auto-close, once)
    cchub mail-in < message.eml                           (thread one e-mail reply into its ticket)
    cchub mail-server [--host 127.0.0.1] [--port 2525]    (receive e-mail replies over SMTP)
    cchub privacy export PERSON [--output FILE]           (what the hub holds about them, as JSON)
    cchub privacy erase PERSON --yes                      (erase or anonymise it; PERSON: e-mail or user name)
    cchub manage ARGS...                                  (any Django management command)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchub.settings")
    import django
    from django.conf import settings

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    django.setup()


def cmd_serve(args: argparse.Namespace) -> int:
    from waitress import serve

    from cchub.wsgi import application

    print(f"CC Hub serving on http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    serve(application, host=args.host, port=args.port, threads=args.threads, ident="cchub")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from cchub.vocab.loading import ensure_builtin_vocabularies

    call_command("migrate", interactive=False, verbosity=1)
    added = ensure_builtin_vocabularies()
    print(f"Vocabularies ready ({added} concept(s) added).")
    from cchub.interop.models import Item
    from cchub.interop.publish import rebuild

    if not Item.objects.exists():
        counts = rebuild()
        print("OAI-PMH records published: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_load_demo(args: argparse.Namespace) -> int:
    from cchub.registry.demo import load_demo
    from cchub.support.demo import load as load_helpdesk

    report = load_demo(progress=True)
    print(report.summary())
    if not report.ok:
        return 1
    counts = load_helpdesk()
    print("Demo helpdesk: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    from cchub.glossary.demo import load_glossary

    glossary = load_glossary()
    print(f"Demo glossary: {glossary['terms']} terms, {glossary['variants']} cluster definitions")
    from cchub.training.demo import load as load_training

    training, paths = load_training()
    print(f"Demo training: {training.summary()} {paths} learning paths.")
    from cchub.onboarding.demo import load as load_onboarding

    onboarding = load_onboarding()
    print(f"Demo onboarding: {onboarding['projects']} projects, {onboarding['outputs']} outputs")
    return 0 if training.ok else 1


def cmd_worker(args: argparse.Namespace) -> int:
    import threading

    from django.core.management import call_command

    from cchub.interop.harvest import reap as reap_harvests
    from cchub.lib import schedule
    from cchub.lib.jobs import reap_tasks, runner_id
    from cchub.registry.tasks import reap_imports

    # Work left "running" by a worker that died is marked failed before anything starts.
    stale = {"tasks": reap_tasks(), "imports": reap_imports(), "harvests": reap_harvests()}
    if any(stale.values()):
        print("Marked failed, their worker having stopped: "
              + ", ".join(f"{n} {what}" for what, n in stale.items() if n), flush=True)
    print("CC Hub worker waiting for background tasks (Ctrl-C to stop)", flush=True)
    extra = ["--batch"] if args.batch else ["--no-reload"]
    extra += ["--worker-id", runner_id()]
    stop = threading.Event()
    if not args.batch and not args.no_schedule:
        schedule.start(stop)
        jobs = ", ".join(f"{p} every {s:g} s" for p, s in schedule.PERIODIC.items())
        print(f"Periodic tasks: {jobs}", flush=True)
    try:
        call_command("db_worker", "--interval", str(args.interval), *extra)
    finally:
        stop.set()
    return 0


def cmd_privacy(args: argparse.Namespace) -> int:
    import json

    from cchub import privacy

    person = privacy.find(args.person)
    if person.user is None and not person.email:
        print(f"No account is called {args.person!r}; give an e-mail address for a guest.", file=sys.stderr)
        return 2
    if args.action == "export":
        text = json.dumps(privacy.export(person), indent=1, ensure_ascii=False)
        if args.output:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
            print(f"Written to {args.output}")
        else:
            print(text)
        return 0
    if not args.yes:
        print("Erasure cannot be undone: add --yes to erase this person's data.", file=sys.stderr)
        return 2
    counts = privacy.erase(person)
    print("Erased: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cchub manage", *args.rest])
    return 0


SITE_COMMANDS = ("serve", "migrate", "load-demo", "worker", "privacy", "manage")


def build_parser() -> argparse.ArgumentParser:
    """The commands about the whole hub; each app's own commands are management commands in
    the app (``<app>/management/commands/``), which ``main`` finds by name."""
    parser = argparse.ArgumentParser(prog="cchub", description="CC Hub command line")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve the web application")
    p.add_argument("--host", default=os.environ.get("CCHUB_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("CCHUB_PORT", "8000")))
    p.add_argument("--threads", type=int, default=8)
    p.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="create or update the database").set_defaults(func=cmd_migrate)
    sub.add_parser("load-demo", help="load the demo network").set_defaults(func=cmd_load_demo)
    p = sub.add_parser("worker", help="run background tasks")
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--batch", action="store_true", help="exit when the queue is empty")
    p.add_argument("--no-schedule", action="store_true", help="do not run periodic tasks")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("privacy", help="GDPR: export or erase what the hub holds about a person")
    p.add_argument("action", choices=["export", "erase"])
    p.add_argument("person", help="an e-mail address or a user name")
    p.add_argument("--output", help="file for the export (default: standard output)")
    p.add_argument("--yes", action="store_true", help="confirm the erasure")
    p.set_defaults(func=cmd_privacy)
    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def app_commands() -> dict[str, str]:
    """``cchub`` name -> app, for every management command of the hub's apps."""
    from django.core.management import get_commands

    return {name.replace("_", "-"): app for name, app in get_commands().items() if app.startswith("cchub.")}


def print_help(parser: argparse.ArgumentParser) -> None:
    from django.core.management import load_command_class

    parser.print_help()
    print("\napp commands (cchub COMMAND --help for each):")
    for name, app in sorted(app_commands().items()):
        print(f"    {name:<18}{load_command_class(app, name.replace('-', '_')).help}")


def main(argv: list[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import load_command_class

    from cchub.lib.commands import run_command

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv) if argv[:1] and argv[0] in SITE_COMMANDS else None
    try:
        _setup()
    except ImproperlyConfigured as exc:
        print(f"cchub: {exc}", file=sys.stderr)
        return 2
    if args is not None:
        return int(args.func(args) or 0)
    if not argv or argv[0] in ("-h", "--help"):
        print_help(parser)
        return 0 if argv else 2
    found = app_commands().get(argv[0])
    if found is None:
        parser.print_usage(sys.stderr)
        print(f"cchub: unknown command {argv[0]!r} (cchub --help lists them)", file=sys.stderr)
        return 2
    return run_command(load_command_class(found, argv[0].replace("-", "_")), argv[0], argv[1:])


if __name__ == "__main__":
    sys.exit(main())
