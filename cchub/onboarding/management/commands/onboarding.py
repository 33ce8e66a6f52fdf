"""``cchub onboarding check|deposit|target``: check metadata offline, deposit an approved
output now, add or change a centre's deposit repository."""

from __future__ import annotations

import argparse
import json as json_module
import sys
from pathlib import Path

from django.contrib.auth import get_user_model

from cchub.lib.api import Refused
from cchub.lib.commands import HubCommand
from cchub.onboarding import deposit
from cchub.onboarding.checks import KINDS, check_upload
from cchub.onboarding.deposit import set_token
from cchub.onboarding.models import DepositTarget, Output
from cchub.registry.models import Centre


class Command(HubCommand):
    help = "onboarding: check metadata offline, deposit, deposit targets"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        onb = parser.add_subparsers(dest="onboarding_command", required=True)
        q = onb.add_parser("check", help="check a codemeta.json or source archive against the OSSR profile")
        q.add_argument("path")
        q.add_argument("--kind", default="software", choices=[kind for kind, _ in KINDS])
        q.add_argument("--json", action="store_true", help="print the report as JSON")
        q.add_argument("--zenodo", action="store_true", help="also print the converted Zenodo metadata")
        q = onb.add_parser("deposit", help="deposit an approved output now (resumes a failed deposit)")
        q.add_argument("output", type=int)
        q.add_argument("--target", type=int, required=True)
        q.add_argument("--user", required=True, help="the community curator depositing")
        q = onb.add_parser("target", help="add or change a centre's deposit repository (token on stdin)")
        q.add_argument("--centre", required=True)
        q.add_argument("--name", required=True)
        q.add_argument("--url", required=True)
        q.add_argument("--community", default="")
        q.add_argument("--allow-private", action="store_true")
        q.add_argument("--token-stdin", action="store_true")

    def run(self, args: argparse.Namespace) -> int:
        return {"check": check, "deposit": deposit_now, "target": target}[args.onboarding_command](args)


def check(args: argparse.Namespace) -> int:
    """Check a codemeta.json (or archive, or another kind's JSON) offline; exit 1 on errors."""


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


def deposit_now(args: argparse.Namespace) -> int:


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


def target(args: argparse.Namespace) -> int:

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
