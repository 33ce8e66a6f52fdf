"""The OAI-PMH 2.0 provider at ``/oai``: the six verbs over GET and POST, ``oai_dc`` and the
full ``cchub`` format, sets per record type and per science cluster, from/until to the
second, deleted records kept (``persistent``), and every error of the protocol.

Resumption tokens are signed and hold the whole position of a list: its arguments, the
last datestamp and id delivered, and the moment the list was first asked for. Items are
listed in (datestamp, id) order and only those stamped before that moment, so a token
stays valid across restarts and while records change: a record changed during a harvest
moves past the list's end and is picked up by the next harvest, which starts from this
one's response date. Nothing is delivered twice in one list, nothing is skipped.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Min, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from cchub.interop import publish
from cchub.interop.models import Item
from cchub.interop.xmlrecord import (
    CCHUB,
    OAI,
    OAI_DC,
    OAI_IDENTIFIER,
    PROVENANCE,
    XSI,
    attr,
    cchub_record,
    dublin_core,
    text,
)
from cchub.registry.models import Cluster

VERBS = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}
SALT = "cchub.oai.token"


def formats() -> dict[str, tuple[str, str]]:
    """metadataPrefix -> (schema, namespace)."""
    return {
        "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC),
        "cchub": (f"{settings.SITE_URL}/oai/cchub-record.xsd", CCHUB),
    }


def base_url() -> str:
    return f"{settings.SITE_URL}/oai"


class OaiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Position:
    """Where a list stands; what a resumption token carries."""

    verb: str
    prefix: str
    set_spec: str
    since: dt.datetime | None
    before: dt.datetime  # exclusive: the end of the list, fixed when it was first asked for
    after: tuple[dt.datetime, int] | None = None
    cursor: int = 0
    size: int = 0

    def token(self) -> str:
        data = {
            "v": self.verb, "p": self.prefix, "s": self.set_spec,
            "f": self.since.isoformat() if self.since else "", "b": self.before.isoformat(),
            "a": [self.after[0].isoformat(), self.after[1]] if self.after else None,
            "c": self.cursor, "n": self.size,
        }  # fmt: skip
        raw = json.dumps(data, separators=(",", ":")).encode()
        return signing.Signer(salt=SALT).sign(base64.urlsafe_b64encode(raw).decode().rstrip("="))

    @classmethod
    def from_token(cls, token: str, verb: str) -> Position:
        try:
            payload = signing.Signer(salt=SALT).unsign(token)
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            after = data["a"]
            position = cls(
                verb=data["v"], prefix=data["p"], set_spec=data["s"],
                since=dt.datetime.fromisoformat(data["f"]) if data["f"] else None,
                before=dt.datetime.fromisoformat(data["b"]),
                after=(dt.datetime.fromisoformat(after[0]), int(after[1])) if after else None,
                cursor=int(data["c"]), size=int(data["n"]),
            )  # fmt: skip
        except (signing.BadSignature, ValueError, KeyError, TypeError, IndexError) as exc:
            raise OaiError("badResumptionToken", "The resumption token is not valid.") from exc
        if position.verb != verb:
            raise OaiError("badResumptionToken", f"The resumption token belongs to {position.verb}.")
        return position


# ----------------------------------------------------------------------- arguments


def _arguments(request: HttpRequest) -> tuple[str, dict[str, str]]:
    params = request.POST if request.method == "POST" else request.GET
    repeated = [k for k, values in params.lists() if len(values) > 1]
    verbs = params.getlist("verb")
    if len(verbs) != 1 or verbs[0] not in VERBS:
        what = (
            "is repeated" if len(verbs) > 1 else ("is missing" if not verbs else f"'{verbs[0]}' is not legal")
        )
        raise OaiError("badVerb", f"The verb {what}.")
    verb = verbs[0]
    if repeated:
        raise OaiError("badArgument", f"Repeated argument: {', '.join(repeated)}.")
    args = {k: str(v) for k, v in params.items() if k != "verb"}
    required, optional = VERBS[verb]
    if "resumptionToken" in args:
        others = set(args) - {"resumptionToken"}
        if others:
            raise OaiError(
                "badArgument", f"resumptionToken is exclusive; also given: {', '.join(sorted(others))}."
            )
        return verb, args
    unknown = set(args) - required - optional
    if unknown:
        raise OaiError("badArgument", f"Illegal argument(s) for {verb}: {', '.join(sorted(unknown))}.")
    missing = required - set(args)
    if missing:
        raise OaiError("badArgument", f"Missing argument(s) for {verb}: {', '.join(sorted(missing))}.")
    return verb, args


def _date(value: str, name: str) -> tuple[dt.datetime, bool]:
    """(moment, is_day) of a from/until argument."""
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC), True
        if len(value) == 20 and value.endswith("Z") and value[10] == "T":
            return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC), False
    except ValueError:
        pass
    raise OaiError("badArgument", f"{name} '{value}' is not YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")


def _prefix(value: str) -> str:
    if value not in formats():
        raise OaiError("cannotDisseminateFormat", f"The metadata format '{value}' is not offered.")
    return value


def _now() -> dt.datetime:
    return timezone.now().astimezone(dt.UTC).replace(microsecond=0)


def _first_position(verb: str, args: dict[str, str], now: dt.datetime) -> Position:
    prefix = _prefix(args["metadataPrefix"])
    since = until = None
    day_since = day_until = False
    if "from" in args:
        since, day_since = _date(args["from"], "from")
    if "until" in args:
        until, day_until = _date(args["until"], "until")
    if since and until:
        if day_since != day_until:
            raise OaiError("badArgument", "from and until must have the same granularity.")
        if since > until:
            raise OaiError("badArgument", "from is later than until.")
    before = now
    if until is not None:
        before = min(before, until + (dt.timedelta(days=1) if day_until else dt.timedelta(seconds=1)))
    return Position(verb=verb, prefix=prefix, set_spec=args.get("set", ""), since=since, before=before)


def _items(position: Position) -> Any:
    qs = Item.objects.filter(datestamp__lt=position.before)
    if position.since is not None:
        qs = qs.filter(datestamp__gte=position.since)
    if position.set_spec:
        qs = qs.filter(set_rows__spec=position.set_spec)
    return qs


# ----------------------------------------------------------------------- responses


def _sets_of(items: list[Item]) -> dict[int, list[str]]:
    from cchub.interop.models import ItemSet

    found: dict[int, list[str]] = {}
    for item_id, spec in ItemSet.objects.filter(item__in=[i.pk for i in items]).values_list(
        "item_id", "spec"
    ):
        found.setdefault(item_id, []).append(spec)
    return found


def _header(item: Item, sets: list[str]) -> str:
    status = ' status="deleted"' if item.deleted else ""
    specs = "".join(f"<setSpec>{text(s)}</setSpec>" for s in sorted(sets))
    return (
        f"<header{status}><identifier>{text(item.identifier)}</identifier>"
        f"<datestamp>{publish.stamp(item.datestamp)}</datestamp>{specs}</header>"
    )


def _about(item: Item) -> str:
    origin = item.about
    if not origin:
        return ""
    namespace = formats().get(origin.get("prefix", ""), ("", ""))[1] or OAI_DC
    return (
        f'<about><provenance xmlns="{PROVENANCE}" xmlns:xsi="{XSI}" xsi:schemaLocation="{PROVENANCE} '
        f'http://www.openarchives.org/OAI/2.0/provenance.xsd"><originDescription '
        f'harvestDate="{attr(origin["harvestDate"])}" altered="true">'
        f"<baseURL>{text(origin['baseURL'])}</baseURL>"
        f"<identifier>{text(origin['identifier'])}</identifier>"
        f"<datestamp>{text(origin['datestamp'] or origin['harvestDate'])}</datestamp>"
        f"<metadataNamespace>{text(namespace)}</metadataNamespace></originDescription></provenance></about>"
    )


def _record(item: Item, sets: list[str], prefix: str) -> str:
    if item.deleted:
        return f"<record>{_header(item, sets)}</record>"
    metadata = (
        dublin_core(item.dc)
        if prefix == "oai_dc"
        else cchub_record(item.kind, item.record, formats()["cchub"][0])
    )
    return f"<record>{_header(item, sets)}<metadata>{metadata}</metadata>{_about(item)}</record>"


def _envelope(now: dt.datetime, request_attrs: dict[str, str], body: str) -> str:
    attrs = "".join(f' {k}="{attr(v)}"' for k, v in request_attrs.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI}" xmlns:xsi="{XSI}" '
        f'xsi:schemaLocation="{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
        f"<responseDate>{publish.stamp(now)}</responseDate>"
        f"<request{attrs}>{text(base_url())}</request>{body}</OAI-PMH>"
    )


def _identify(now: dt.datetime) -> str:
    earliest = Item.objects.aggregate(first=Min("datestamp"))["first"] or now
    repository = publish.repository_id()
    return (
        f"<Identify><repositoryName>{text(settings.SITE_NAME)}: Open Science Competence Centres"
        "</repositoryName>"
        f"<baseURL>{text(base_url())}</baseURL><protocolVersion>2.0</protocolVersion>"
        f"<adminEmail>{text(settings.OAI_ADMIN_EMAIL)}</adminEmail>"
        f"<earliestDatestamp>{publish.stamp(earliest)}</earliestDatestamp>"
        "<deletedRecord>persistent</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"
        f'<description><oai-identifier xmlns="{OAI_IDENTIFIER}" xmlns:xsi="{XSI}" '
        f'xsi:schemaLocation="{OAI_IDENTIFIER} http://www.openarchives.org/OAI/2.0/oai-identifier.xsd">'
        f"<scheme>oai</scheme><repositoryIdentifier>{text(repository)}</repositoryIdentifier>"
        f"<delimiter>:</delimiter><sampleIdentifier>{text(publish.identifier('centre', 'escape-cc'))}"
        "</sampleIdentifier></oai-identifier></description></Identify>"
    )


def _metadata_formats(args: dict[str, str]) -> str:
    if "identifier" in args and not Item.objects.filter(identifier=args["identifier"]).exists():
        raise OaiError("idDoesNotExist", f"No record has the identifier '{args['identifier']}'.")
    rows = "".join(
        f"<metadataFormat><metadataPrefix>{p}</metadataPrefix><schema>{text(schema)}</schema>"
        f"<metadataNamespace>{ns}</metadataNamespace></metadataFormat>"
        for p, (schema, ns) in formats().items()
    )
    return f"<ListMetadataFormats>{rows}</ListMetadataFormats>"


def all_sets() -> dict[str, str]:

    sets = dict(publish.SETS)
    sets.update({f"cluster:{k.slug}": f"{k.acronym}: {k.name}" for k in Cluster.objects.all()})
    return sets


def _list_sets(args: dict[str, str]) -> str:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "The list of sets comes in one response; there is no token.")
    rows = "".join(
        f"<set><setSpec>{text(spec)}</setSpec><setName>{text(name)}</setName></set>"
        for spec, name in sorted(all_sets().items())
    )
    return f"<ListSets>{rows}</ListSets>"


def _get_record(args: dict[str, str]) -> str:
    prefix = _prefix(args["metadataPrefix"])
    item = Item.objects.filter(identifier=args["identifier"]).first()
    if item is None:
        raise OaiError("idDoesNotExist", f"No record has the identifier '{args['identifier']}'.")
    return f"<GetRecord>{_record(item, _sets_of([item]).get(item.pk, []), prefix)}</GetRecord>"


def _list(verb: str, args: dict[str, str], now: dt.datetime) -> str:
    if "resumptionToken" in args:
        position = Position.from_token(args["resumptionToken"], verb)
    else:
        position = _first_position(verb, args, now)
    qs = _items(position)
    if position.after is None:
        position.size = qs.count()
    else:
        stamp, last_id = position.after
        # (datestamp, id) > (stamp, last_id), written so that the index range starts at stamp
        qs = qs.filter(datestamp__gte=stamp).filter(Q(datestamp__gt=stamp) | Q(pk__gt=last_id))
    per_page = settings.OAI_PAGE_SIZE * (1 if verb == "ListRecords" else 5)
    items = list(qs.order_by("datestamp", "pk")[: per_page + 1])
    if not items and position.after is None:
        raise OaiError("noRecordsMatch", "No records match these arguments.")
    more = len(items) > per_page
    items = items[:per_page]
    sets = _sets_of(items)
    if verb == "ListRecords":
        rows = "".join(_record(i, sets.get(i.pk, []), position.prefix) for i in items)
    else:
        rows = "".join(_header(i, sets.get(i.pk, [])) for i in items)
    token = ""
    if position.after is not None or more:
        cursor = position.cursor
        if more:
            position.cursor += len(items)
            position.after = (items[-1].datestamp, items[-1].pk)
            value = text(position.token())
        else:
            value = ""
        size = f' completeListSize="{position.size}"' if position.size else ""
        token = f'<resumptionToken{size} cursor="{cursor}">{value}</resumptionToken>'
    return f"<{verb}>{rows}{token}</{verb}>"


@csrf_exempt
def endpoint(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    now = _now()
    request_attrs: dict[str, str] = {}
    try:
        verb, args = _arguments(request)
        request_attrs = {"verb": verb, **args}
        if verb == "Identify":
            body = _identify(now)
        elif verb == "ListMetadataFormats":
            body = _metadata_formats(args)
        elif verb == "ListSets":
            body = _list_sets(args)
        elif verb == "GetRecord":
            body = _get_record(args)
        else:
            body = _list(verb, args, now)
    except OaiError as exc:
        if exc.code in ("badVerb", "badArgument"):
            request_attrs = {}
        body = f'<error code="{exc.code}">{text(exc.message)}</error>'
    response = HttpResponse(_envelope(now, request_attrs, body), content_type="text/xml; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def schema(request: HttpRequest) -> HttpResponse:
    """The XML schema of the ``cchub`` metadata format."""
    from pathlib import Path

    path = Path(__file__).parent / "schemas" / "cchub-record.xsd"
    return HttpResponse(path.read_bytes(), content_type="application/xml; charset=utf-8")
