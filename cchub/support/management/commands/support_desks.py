"""``cchub support-desks``: which centres have someone to answer, and confirming addresses.

    cchub support-desks                 list every centre: staffed or not, and how
    cchub support-desks --unstaffed     only the centres no question can reach
    cchub support-desks --verify SLUG   mail SLUG's helpdesk address a confirmation link
    cchub support-desks --report [--month YYYY-MM]   mail the monthly report now
"""

from __future__ import annotations

import argparse

from cchub.lib.commands import HubCommand
from cchub.registry.models import Centre
from cchub.support import reports, staffing
from cchub.support.models import Desk, Supporter


class Command(HubCommand):
    help = "list who answers each centre's tickets; confirm a helpdesk address; mail the monthly report"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--unstaffed", action="store_true", help="only centres with nobody to answer")
        parser.add_argument("--verify", metavar="SLUG", help="mail SLUG's address a confirmation link")
        parser.add_argument("--report", action="store_true", help="mail last month's helpdesk report now")

    def run(self, args: argparse.Namespace) -> int:
        if args.verify:
            centre = Centre.objects.filter(slug=args.verify).first()
            if centre is None:
                print(f"No centre '{args.verify}'.")
                return 2
            try:
                staffing.send_verification(centre)
            except ValueError as exc:
                print(exc)
                return 1
            print(f"A confirmation link went to {centre.helpdesk_email}.")
            return 0
        if args.report:
            sent = reports.send_monthly(force=True)
            print(f"Monthly report: {sent} message(s) sent.")
            return 0
        staffed = staffing.staffed_centre_ids()
        people: dict[int, int] = {}
        for s in Supporter.objects.filter(user__is_active=True).exclude(user__email=""):
            people[s.centre_id] = people.get(s.centre_id, 0) + 1
        bridges = dict(Desk.objects.exclude(handover="").values_list("centre_id", "handover"))
        for centre in Centre.objects.public().order_by("acronym"):
            if args.unstaffed and centre.pk in staffed:
                continue
            how = []
            if people.get(centre.pk):
                how.append(f"{people[centre.pk]} supporter(s)")
            if staffing.verified_address(centre.pk):
                how.append(f"confirmed address {centre.helpdesk_email}")
            if centre.pk in bridges:
                how.append(f"bridge ({bridges[centre.pk]})")
            state = "staffed" if centre.pk in staffed else "NOBODY TO ANSWER"
            print(f"{centre.acronym:16} {state:17} {', '.join(how)}")
        unstaffed = Centre.objects.public().exclude(pk__in=staffed).count()
        print(f"\n{Centre.objects.public().count() - unstaffed} staffed, {unstaffed} with nobody to answer.")
        return 0
