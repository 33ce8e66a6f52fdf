"""Centres: the list with its facets, a centre's page and history, editing, proposing and
deciding on new centres, a centre's competence offers and contact points."""

from __future__ import annotations

import uuid
from collections import Counter, OrderedDict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cchub.accounts.permissions import is_network_admin
from cchub.history import visibility
from cchub.history.models import Change
from cchub.history.recorder import record
from cchub.lib import jsonld
from cchub.lib.countries import country_name
from cchub.lib.http import is_htmx
from cchub.records.writes import RecordInvalid, apply, delete
from cchub.registry.forms import CentreForm, ContactForm, DecisionForm, OfferForm, add_record_errors
from cchub.registry.jsonld import centre_jsonld
from cchub.registry.models import COMPETENCES, Centre, Cluster, CompetenceOffer, ContactPoint
from cchub.registry.permissions import can_create_for_centre, can_edit, can_propose_centre, curated_centre_ids
from cchub.registry.queries import CENTRE_FILTERS, filter_centres
from cchub.registry.views.common import require_admin, signed_in
from cchub.vocab.models import Concept
from cchub.vocab.tree import top_ids


def _filtered_centres(params: Any, skip: str | None = None) -> QuerySet[Centre]:
    """Public centres matching the request's filters, leaving out ``skip`` (for facet counts)."""
    filters = {name: params.getlist(name) for name in CENTRE_FILTERS if name != skip}
    return filter_centres(Centre.objects.public(), "" if skip == "q" else params.get("q", ""), filters)


def _count_by(qs: QuerySet[Any], field: str) -> Counter[str]:
    rows = qs.order_by().values(field).annotate(n=Count("pk", distinct=True))
    return Counter({row[field]: row["n"] for row in rows})


def _facets(params: Any) -> list[dict[str, Any]]:
    """Options of each filter with counts computed without that filter's own selection."""
    facets = []

    def facet(name: str, label: str, options: list[tuple[str, str]], counter: Counter[str]) -> None:
        chosen = set(params.getlist(name))
        facets.append({
            "name": name, "label": label,
            "options": [
                {"value": v, "label": lbl, "count": counter.get(v, 0), "checked": v in chosen}
                for v, lbl in options if counter.get(v, 0) or v in chosen
            ],
        })

    ids = _filtered_centres(params, skip="cluster").values("pk")
    counter = _count_by(Centre.objects.filter(pk__in=ids), "clusters__slug")
    facet("cluster", "Cluster", [(c.slug, c.acronym) for c in Cluster.objects.all()], counter)

    countries: Counter[str] = Counter()
    for row in _filtered_centres(params, skip="country").values_list("countries", flat=True):
        countries.update(set(row))
    facet("country", "Country", sorted(((c, country_name(c)) for c in countries),
                                       key=lambda x: (x[0] != "EU", x[1])), countries)

    kinds = _count_by(
        Centre.objects.filter(pk__in=_filtered_centres(params, skip="kind").values("pk")), "kind")
    facet("kind", "Kind", list(Centre.KINDS), kinds)

    statuses = _count_by(
        Centre.objects.filter(pk__in=_filtered_centres(params, skip="status").values("pk")), "status")
    facet("status", "Network status", list(Centre.STATUSES), statuses)

    ids = _filtered_centres(params, skip="competence").values("pk")
    tops = list(Concept.objects.filter(scheme__slug=COMPETENCES, broader__isnull=True))
    top_of = top_ids(COMPETENCES)
    notation = {t.pk: t.notation for t in tops}
    pairs = {(top_of[competence], centre) for centre, competence in CompetenceOffer.objects.filter(
        centre__in=ids).values_list("centre_id", "competence_id") if competence in top_of}
    comp: Counter[str] = Counter(notation[top] for top, _ in pairs if top in notation)
    facet("competence", "Competence area", [(t.notation, t.pref_label) for t in tops], comp)
    return facets


def centre_list(request: HttpRequest) -> HttpResponse:
    qs = _filtered_centres(request.GET).prefetch_related("clusters").select_related("origin").annotate(
        n_offers=Count("offers", distinct=True), n_services=Count("services", distinct=True)
    ).order_by("acronym")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "page": page, "facets": _facets(request.GET), "q": request.GET.get("q", ""),
        "querystring": params.urlencode(), "total": page.paginator.count,
        "active": any(request.GET.getlist(n) for n in ("q", *CENTRE_FILTERS)),
    }
    template = "registry/_centre_results.html" if is_htmx(request) else "registry/centre_list.html"
    return render(request, template, context)


def _visible_centre(request: HttpRequest, slug: str) -> Centre:
    centre = get_object_or_404(Centre.objects.prefetch_related("clusters", "hosts"), slug=slug)
    if not centre.is_public:
        user = request.user
        own = user.is_authenticated and (
            centre.proposed_by_id == user.pk or centre.pk in curated_centre_ids(user))
        allowed = is_network_admin(user) or own
        if not allowed:
            raise Http404
    return centre


def _grouped_offers(centre: Centre) -> list[dict[str, Any]]:
    groups: OrderedDict[int, dict[str, Any]] = OrderedDict()
    offers = centre.offers.select_related("competence__broader", "evidence_service").order_by(
        "competence__position")
    tops = {c.pk: c for c in Concept.objects.filter(scheme__slug=COMPETENCES, broader__isnull=True)}
    top_of = top_ids(COMPETENCES)
    for offer in offers:
        top = tops.get(top_of.get(offer.competence_id, offer.competence_id), offer.competence)
        group = groups.setdefault(top.pk, {"top": top, "offers": []})
        group["offers"].append(offer)
    return sorted(groups.values(), key=lambda g: g["top"].position)


def centre_detail(request: HttpRequest, slug: str) -> HttpResponse:
    centre = _visible_centre(request, slug)
    fmt = jsonld.wanted(request)
    if fmt and centre.is_public:
        return jsonld.respond(centre_jsonld(centre), fmt)
    editable = can_edit(request.user, centre)
    contacts = []
    for c in centre.contacts.all():
        contacts.append({"obj": c, "email": c.email if (c.email_public or editable) else ""})
    response = render(request, "registry/centre_detail.html", {
        "centre": centre,
        "groups": _grouped_offers(centre),
        "services": centre.services.prefetch_related("categories").all(),
        "contacts": contacts,
        "changes": visibility.latest(
            Change.objects.filter(centre_id=centre.pk).select_related("user", "content_type"), editable, 8),
        "editable": editable,
        "countries": [(c, country_name(c)) for c in centre.countries],
        "jsonld": jsonld.embed(centre_jsonld(centre)) if centre.is_public else "",
    })
    response["Vary"] = "Accept, Cookie"
    return response


def centre_history(request: HttpRequest, slug: str) -> HttpResponse:
    centre = _visible_centre(request, slug)
    reveal = can_edit(request.user, centre)
    changes = visibility.visible(
        Change.objects.filter(centre_id=centre.pk).select_related("user", "content_type"), reveal)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    page.object_list = visibility.prepare(page.object_list, reveal)
    return render(request, "registry/history.html", {"subject": centre, "page": page,
                                                     "back": centre.get_absolute_url()})


def _save_centre(request: HttpRequest, form: CentreForm, centre: Centre) -> bool:
    if not form.is_valid():
        return False
    try:
        with transaction.atomic():
            apply(centre, form.record(), request.user, note="web form")
            logo = form.cleaned_data.get("logo")
            if logo:
                centre.logo.save(f"{centre.slug}-{uuid.uuid4().hex[:8]}.{logo.name.rsplit('.', 1)[-1]}",
                                 logo, save=True)
    except RecordInvalid as exc:
        add_record_errors(form, exc)
        return False
    return True


@login_required
def centre_edit(request: HttpRequest, slug: str) -> HttpResponse:
    centre = _visible_centre(request, slug)
    if not can_edit(request.user, centre):
        raise PermissionDenied
    if request.method == "POST":
        form = CentreForm(request.POST, request.FILES)
        if _save_centre(request, form, centre):
            messages.success(request, f"{centre.acronym} saved.")
            return redirect(centre)
    else:
        form = CentreForm(initial=CentreForm.initial_for(centre))
    return render(request, "registry/form.html", {
        "form": form, "title": f"Edit {centre.acronym}", "back": centre.get_absolute_url(),
        "multipart": True,
    })


@login_required
def centre_propose(request: HttpRequest) -> HttpResponse:
    if not can_propose_centre(request.user):
        raise PermissionDenied
    admin = is_network_admin(request.user)
    if request.method == "POST":
        form = CentreForm(request.POST, request.FILES)
        centre = Centre(
            review_state=Centre.APPROVED if admin else Centre.PENDING, proposed_by=signed_in(request)
        )
        if _save_centre(request, form, centre):
            if admin:
                messages.success(request, f"{centre.acronym} added to the registry.")
            else:
                messages.success(request, f"Thank you. {centre.acronym} awaits an administrator's approval.")
            return redirect(centre)
    else:
        form = CentreForm()
    return render(request, "registry/form.html", {
        "form": form, "title": "Add a centre" if admin else "Propose a centre",
        "intro": "" if admin else "A proposed centre is visible to you and the administrators "
                 "until an administrator approves it.",
        "back": "/centres/", "multipart": True,
    })


@login_required
def pending_centres(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    pending = Centre.objects.filter(review_state=Centre.PENDING).select_related("proposed_by")
    decided = (Centre.objects.exclude(decided_at=None).select_related("decided_by")
               .order_by("-decided_at")[:20])
    return render(request, "registry/pending.html", {"pending": pending, "decided": decided,
                                                     "form": DecisionForm()})


@login_required
@require_POST
def centre_decide(request: HttpRequest, slug: str) -> HttpResponse:
    require_admin(request)
    centre = get_object_or_404(Centre, slug=slug)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("registry:pending")
    approve = form.cleaned_data["decision"] == "approve"
    note = form.cleaned_data["note"]
    with transaction.atomic():
        before = centre.as_record()
        centre.review_state = Centre.APPROVED if approve else Centre.REJECTED
        centre.decided_by = request.user  # type: ignore[assignment]
        centre.decided_at = timezone.now()
        centre.decision_note = note
        centre.save()
        record(centre, request.user, Change.APPROVE if approve else Change.REJECT, before,
               centre.as_record(), note)
    messages.success(request, f"{centre.acronym} {'approved' if approve else 'rejected'}.")
    return redirect("registry:pending")


def _child_form_view(request: HttpRequest, slug: str, form_class: Any, model: Any,
                     pk: int | None, what: str) -> HttpResponse:
    centre = _visible_centre(request, slug)
    obj = get_object_or_404(model, pk=pk, centre=centre) if pk else model()
    allowed = can_edit(request.user, obj) if pk else can_create_for_centre(request.user, centre.pk)
    if not allowed:
        raise PermissionDenied
    if request.method == "POST":
        if "delete" in request.POST and pk:
            delete(obj, request.user, note="web form")
            messages.success(request, f"{what.capitalize()} removed.")
            return redirect(centre)
        form = form_class(request.POST, centre=centre)
        if form.is_valid():
            try:
                apply(obj, form.record(), request.user, note="web form")
                messages.success(request, f"{what.capitalize()} saved.")
                return redirect(centre)
            except RecordInvalid as exc:
                add_record_errors(form, exc)
    else:
        initial = obj.as_record() if pk else {}
        form = form_class(initial=initial, centre=centre)
    return render(request, "registry/form.html", {
        "form": form, "title": f"{'Edit' if pk else 'Add'} {what} — {centre.acronym}",
        "back": centre.get_absolute_url(), "deletable": bool(pk),
    })


@login_required
def offer_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    return _child_form_view(request, slug, OfferForm, CompetenceOffer, pk, "competence offer")


@login_required
def contact_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    return _child_form_view(request, slug, ContactForm, ContactPoint, pk, "contact point")


def media_logo(request: HttpRequest, name: str) -> HttpResponseBase:
    """Serve an uploaded logo (only files under logos/, with a safe content type)."""
    path = f"logos/{name}"
    if "/" in name or not default_storage.exists(path):
        raise Http404
    kind = name.rsplit(".", 1)[-1].lower()
    types = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
    if kind not in types:
        raise Http404
    response = FileResponse(default_storage.open(path, "rb"), content_type=types[kind])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=86400"
    return response
