"""The ``cchub`` console script.

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
import time
from pathlib import Path

from cchub.lib.progress import progress_line


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


def cmd_glossary_import(args: argparse.Namespace) -> int:
    from cchub.glossary.skos import import_skos

    path = Path(args.file)
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    report = import_skos(path.name, path.read_bytes(), None, dry_run=args.dry_run)
    for problem in report.problems:
        print(f"  {problem}")
    for label, uris in (("add", report.added), ("update", report.updated)):
        for uri in uris:
            print(f"  {label}: {uri}")
    print(report.summary())
    return 0 if report.ok else 1


def cmd_createadmin(args: argparse.Namespace) -> int:
    import getpass

    from cchub.accounts.admins import create_admin

    password = os.environ.get("CCHUB_ADMIN_PASSWORD") or ""
    if not password:
        if not sys.stdin.isatty():
            print("Set CCHUB_ADMIN_PASSWORD or run interactively.", file=sys.stderr)
            return 2
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            print("Passwords differ.", file=sys.stderr)
            return 2
    try:
        user = create_admin(args.username, args.email, password)
    except ValueError as exc:
        print(f"Cannot create administrator: {exc}", file=sys.stderr)
        return 2
    print(f"Network administrator '{user.username}' is ready.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from cchub.registry.exchange import import_file

    path = Path(args.file)
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    print(f"Reading {path} ...", flush=True)
    report = import_file(path, None, dry_run=args.dry_run, progress=progress_line())
    for problem in report.problems:
        print(f"  {problem}")
    print(report.summary())
    return 0 if report.ok else 1


def cmd_export(args: argparse.Namespace) -> int:
    from cchub.registry.exchange import write_export

    for path in write_export(Path(args.directory)):
        print(f"wrote {path}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from cchub.registry.releases import ReleaseError, publish_release

    try:
        release = publish_release(args.version, args.title, args.notes, None)
    except ReleaseError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"Published release {release.version}: {release.counts}")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from cchub.search.index import TYPES, rebuild

    unknown = [t for t in args.type if t not in TYPES]
    if unknown:
        print(f"Unknown type(s): {', '.join(unknown)}; known: {', '.join(TYPES)}", file=sys.stderr)
        return 2
    started = time.monotonic()
    counts = rebuild(args.type or None, progress=progress_line())
    seconds = time.monotonic() - started
    total = sum(counts.values())
    print(f"Indexed {total} records in {seconds:.1f} s ({total / max(seconds, 1e-9):.0f}/s): "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    from cchub.search import semantic, synonyms

    # Synonym phrases registered since some records were indexed (SQLite): their tokens.
    line = progress_line()
    changed = synonyms.backfill(progress=lambda done, total: line("synonym phrases", done, total))
    if changed:
        print(f"Synonym phrases: {changed} record(s) given their phrase tokens")

    if semantic.available() and not args.no_vectors:
        started = time.monotonic()
        made = semantic.embed_missing(progress=progress_line())
        print(f"Semantic search: {made} new vector(s) in {time.monotonic() - started:.1f} s "
              "(unchanged texts keep theirs).")
    return 0


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


def cmd_ingest(args: argparse.Namespace) -> int:
    from cchub.registry.models import Centre
    from cchub.training.ingest import IngestError, read, run_source, write
    from cchub.training.models import Source

    if args.file:
        centre = Centre.objects.filter(slug=args.centre).first()
        if centre is None or args.kind not in dict(Source.KINDS):
            print("With --file give --centre SLUG and --kind ical|csv|bioschemas.", file=sys.stderr)
            return 2
        path = Path(args.file)
        try:
            report = write(read(args.kind, path.read_bytes(), path.name), centre, dry_run=args.dry_run)
        except (OSError, IngestError) as exc:
            print(str(exc), file=sys.stderr)
            return 1
        reports = [(path.name, report)]
    else:
        sources = Source.objects.filter(enabled=True).select_related("centre")
        if args.source:
            sources = sources.filter(pk__in=args.source)
        reports = []
        total = sources.count()
        for n, source in enumerate(sources, start=1):
            progress_line()("sources", n, total)
            reports.append((str(source), run_source(source, dry_run=args.dry_run)))
    ok = True
    for name, report in reports:
        print(f"{name}: {report.summary()}")
        for line in report.rejected:
            print(f"  rejected: {line}")
        ok = ok and report.ok
    return 0 if ok else 1


def cmd_publish(args: argparse.Namespace) -> int:
    from cchub.interop.publish import rebuild

    started = time.monotonic()
    counts = rebuild(progress=progress_line())
    print(f"Published for OAI-PMH in {time.monotonic() - started:.1f} s: "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_source_add(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from cchub.interop.models import Source

    source = Source.objects.filter(slug=args.slug).first() or Source(slug=args.slug)
    source.url, source.kind, source.name = args.url, args.kind, args.name or source.name or args.slug
    source.set_spec, source.every_hours = args.set, args.every_hours
    source.allow_private, source.reexport = args.allow_private, args.reexport
    try:
        source.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            print(f"{field}: {' '.join(messages)}", file=sys.stderr)
        return 2
    source.save()
    print(f"Source {source.slug}: {source.get_kind_display()} at {source.url}")
    return 0


def cmd_harvest(args: argparse.Namespace) -> int:
    from cchub.interop.harvest import run, start
    from cchub.interop.models import Harvest, Source

    sources = Source.objects.filter(enabled=True)
    if args.source:
        sources = Source.objects.filter(slug__in=args.source)
        missing = set(args.source) - set(sources.values_list("slug", flat=True))
        if missing:
            print(f"Unknown source(s): {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
    def show(h: Harvest) -> None:
        done = ", ".join(f"{k} {v}" for k, v in sorted(h.counts.items()))
        print(f"\r{h.source.slug}: page {h.pages} — {done}", end="", flush=True)

    ok = True
    for source in sources:
        harvest = run(start(source, full=args.full), progress=show)
        print()
        print(f"{source.slug}: {harvest.get_state_display().lower()}"
              + (f" — {harvest.error}" if harvest.error else ""))
        for problem in harvest.problems[:50]:
            print(f"  {problem['identifier']}: {problem['message']}")
        ok = ok and harvest.state == Harvest.DONE
    return 0 if ok else 1


def cmd_report(args: argparse.Namespace) -> int:
    import datetime as dt

    from cchub.landscape import report

    try:
        start = dt.date.fromisoformat(args.start) if args.start else None
        end = dt.date.fromisoformat(args.end) if args.end else None
    except ValueError as exc:
        print(f"--from and --to take dates as YYYY-MM-DD ({exc}).", file=sys.stderr)
        return 2
    if start and end and start > end:
        print("--from is later than --to.", file=sys.stderr)
        return 2
    started = time.monotonic()
    built = report.build(start, end)
    body: bytes
    if args.format == "pdf":
        body, suffix = report.pdf(built), "pdf"
    elif args.format == "csv":
        body, suffix = report.csv_zip(built), "zip"
    else:
        body, suffix = report.html(built).encode(), "html"
    first, last = built.period.start.date(), (built.period.end - dt.timedelta(days=1)).date()
    path = Path(args.output or f"cchub-landscape-{first}-{last}.{suffix}")
    path.write_bytes(body)
    print(f"{built.title}: {path} ({len(body) // 1024} KB, {time.monotonic() - started:.1f} s; "
          f"{len(built.gaps)} gaps, {built.board.figures['centres'].value} centres)")
    return 0


def cmd_onboarding_check(args: argparse.Namespace) -> int:
    """Check a codemeta.json (or archive, or another kind's JSON) offline; exit 1 on errors."""
    import json as json_module

    from cchub.onboarding.checks import check_upload

    path = Path(args.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"{path}: {exc.strerror}", file=sys.stderr)
        return 2
    report, _ = check_upload(path.name, data, args.kind)
    if args.json:
        print(json_module.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(report.text())
        if args.zenodo and report.zenodo:
            print(json_module.dumps(report.zenodo, indent=2, ensure_ascii=False))
    return 0 if report.passed else 1


def cmd_onboarding_deposit(args: argparse.Namespace) -> int:
    from django.contrib.auth import get_user_model

    from cchub.lib.api import Refused
    from cchub.onboarding import deposit
    from cchub.onboarding.models import DepositTarget, Output

    output = Output.objects.filter(pk=args.output).first()
    target = DepositTarget.objects.filter(pk=args.target).first()
    user = get_user_model().objects.filter(username=args.user).first()
    if output is None or target is None or user is None:
        print("No such output, deposit target or user.", file=sys.stderr)
        return 2
    try:
        started = deposit.start(output, target, user)
    except Refused as exc:
        print(exc.message, file=sys.stderr)
        return 1
    done = deposit.run(started, progress=lambda text: print(f"  {text}", flush=True))
    if done.failed:
        print(f"Deposit failed at step {done.step}: {done.error}", file=sys.stderr)
        return 1
    print(f"Deposited: draft {done.record_id}, DOI {done.doi or '-'}; waiting for the community's curators.")
    return 0


def cmd_onboarding_target(args: argparse.Namespace) -> int:
    from cchub.onboarding.deposit import set_token
    from cchub.onboarding.models import DepositTarget
    from cchub.registry.models import Centre

    centre = Centre.objects.filter(slug=args.centre).first()
    if centre is None:
        print(f"No centre {args.centre!r}.", file=sys.stderr)
        return 2
    target, _ = DepositTarget.objects.update_or_create(
        centre=centre, name=args.name,
        defaults={"base_url": args.url, "community": args.community, "allow_private": args.allow_private},
    )
    token = sys.stdin.readline().strip() if args.token_stdin else ""
    if token:
        set_token(target, token)
    print(f"Deposit target {target.pk}: {target.name} ({centre.acronym}) {target.base_url}, "
          f"token {'set' if target.token_encrypted else 'not set'}")
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


def cmd_support_round(args: argparse.Namespace) -> int:
    from cchub.support.workflow import tick

    counts = tick()
    print("Support round: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def cmd_mail_in(args: argparse.Namespace) -> int:
    from cchub.support.mailin import receive

    outcome = receive(sys.stdin.buffer.read())
    print(outcome)
    return 0 if outcome.startswith(("added", "ignored", "dropped")) else 1


def cmd_mail_server(args: argparse.Namespace) -> int:
    from cchub.support.mailserver import serve_forever

    print(f"CC Hub receiving replies by SMTP on {args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    serve_forever(args.host, args.port)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cchub manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cchub", description="CC Hub command line")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve the web application")
    p.add_argument("--host", default=os.environ.get("CCHUB_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("CCHUB_PORT", "8000")))
    p.add_argument("--threads", type=int, default=8)
    p.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="create or update the database").set_defaults(func=cmd_migrate)
    sub.add_parser("load-demo", help="load the demo network").set_defaults(func=cmd_load_demo)
    p = sub.add_parser("createadmin", help="create a network administrator")
    p.add_argument("--username", default="admin")
    p.add_argument("--email", default="")
    p.set_defaults(func=cmd_createadmin)
    p = sub.add_parser("import", help="import a registry export (.json) or a survey (.csv/.xlsx)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="report problems, write nothing")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("export", help="export the registry as JSON and CSV")
    p.add_argument("directory", nargs="?", default="export")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("release", help="publish a dated, frozen release of the registry")
    p.add_argument("version")
    p.add_argument("--title", required=True)
    p.add_argument("--notes", default="")
    p.set_defaults(func=cmd_release)
    p = sub.add_parser("reindex", help="rebuild the search index")
    p.add_argument("--type", action="append", default=[], help="only this type (repeatable)")
    p.add_argument("--no-vectors", action="store_true", help="skip semantic embeddings")
    p.set_defaults(func=cmd_reindex)
    p = sub.add_parser("worker", help="run background tasks")
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--batch", action="store_true", help="exit when the queue is empty")
    p.add_argument("--no-schedule", action="store_true", help="do not run periodic tasks")
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("glossary-import", help="merge a SKOS file into the glossary (by URI)")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    p.set_defaults(func=cmd_glossary_import)
    p = sub.add_parser("ingest", help="read training sources (or one file) into the catalogue")
    p.add_argument("--source", type=int, action="append", default=[], help="only this source id (repeatable)")
    p.add_argument("--file", help="a local file instead of the registered sources")
    p.add_argument("--centre", help="with --file: the organising centre's slug")
    p.add_argument("--kind", help="with --file: ical, csv or bioschemas")
    p.add_argument("--dry-run", action="store_true", help="report, write nothing")
    p.set_defaults(func=cmd_ingest)
    sub.add_parser("publish", help="publish every record again for OAI-PMH (unchanged ones keep their date)"
                   ).set_defaults(func=cmd_publish)
    p = sub.add_parser("source-add", help="register (or change) a source to harvest")
    p.add_argument("slug")
    p.add_argument("url", help="OAI-PMH base URL, or a page or sitemap with JSON-LD")
    p.add_argument("--name", default="")
    p.add_argument("--kind", default="cchub", choices=["cchub", "oai-pmh", "jsonld"])
    p.add_argument("--set", default="", help="harvest only this OAI-PMH set")
    p.add_argument("--every-hours", type=int, default=24)
    p.add_argument("--allow-private", action="store_true", help="allow loopback and private addresses")
    p.add_argument("--reexport", action="store_true", help="publish its records again, with provenance")
    p.set_defaults(func=cmd_source_add)
    p = sub.add_parser("harvest", help="harvest the sources (or the named ones) now")
    p.add_argument("source", nargs="*", help="source slug(s); default: every enabled source")
    p.add_argument("--full", action="store_true", help="everything, not only what changed")
    p.set_defaults(func=cmd_harvest)
    p = sub.add_parser("report", help="the landscape report for a period (html, pdf, or csv tables in a zip)")
    p.add_argument("--from", dest="start", help="first day, YYYY-MM-DD (default: a year before --to)")
    p.add_argument("--to", dest="end", help="last day, YYYY-MM-DD (default: today)")
    p.add_argument("--format", choices=["html", "pdf", "csv"], default="html")
    p.add_argument("--output", help="file to write (default: cchub-landscape-FROM-TO.EXT)")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("privacy", help="GDPR: export or erase what the hub holds about a person")
    p.add_argument("action", choices=["export", "erase"])
    p.add_argument("person", help="an e-mail address or a user name")
    p.add_argument("--output", help="file for the export (default: standard output)")
    p.add_argument("--yes", action="store_true", help="confirm the erasure")
    p.set_defaults(func=cmd_privacy)
    sub.add_parser("support-round", help="send SLA warnings and close solved tickets now"
                   ).set_defaults(func=cmd_support_round)
    sub.add_parser("mail-in", help="take one e-mail reply on standard input (for an MTA pipe)"
                   ).set_defaults(func=cmd_mail_in)
    p = sub.add_parser("mail-server", help="receive e-mail replies over SMTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=2525)
    p.set_defaults(func=cmd_mail_server)
    p = sub.add_parser("onboarding", help="onboarding: check metadata offline, deposit, deposit targets")
    onb = p.add_subparsers(dest="onboarding_command", required=True)
    q = onb.add_parser("check", help="check a codemeta.json or source archive against the OSSR profile")
    q.add_argument("path")
    from cchub.onboarding.checks import KINDS

    q.add_argument("--kind", default="software", choices=[kind for kind, _ in KINDS])
    q.add_argument("--json", action="store_true", help="print the report as JSON")
    q.add_argument("--zenodo", action="store_true", help="also print the converted Zenodo metadata")
    q.set_defaults(func=cmd_onboarding_check)
    q = onb.add_parser("deposit", help="deposit an approved output now (resumes a failed deposit)")
    q.add_argument("output", type=int)
    q.add_argument("--target", type=int, required=True)
    q.add_argument("--user", required=True, help="the community curator depositing")
    q.set_defaults(func=cmd_onboarding_deposit)
    q = onb.add_parser("target", help="add or change a centre's deposit repository (token on stdin)")
    q.add_argument("--centre", required=True)
    q.add_argument("--name", required=True)
    q.add_argument("--url", required=True)
    q.add_argument("--community", default="")
    q.add_argument("--allow-private", action="store_true")
    q.add_argument("--token-stdin", action="store_true")
    q.set_defaults(func=cmd_onboarding_target)
    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from django.core.exceptions import ImproperlyConfigured

    try:
        _setup()
    except ImproperlyConfigured as exc:
        print(f"cchub: {exc}", file=sys.stderr)
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
