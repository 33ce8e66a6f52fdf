"""Pages of the registry."""

from __future__ import annotations

import json
import uuid
from collections import Counter, OrderedDict
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cchub.accounts.permissions import is_network_admin
from cchub.history import visibility
from cchub.history.models import Change
from cchub.history.recorder import history_for, record
from cchub.lib import jsonld
from cchub.lib.countries import country_name
from cchub.lib.http import is_htmx
from cchub.records.writes import RecordInvalid, apply, delete
from cchub.registry.exchange import export_registry, public_view
from cchub.registry.forms import (
    CentreForm,
    ContactForm,
    DecisionForm,
    ImportForm,
    OfferForm,
    ReleaseForm,
    ServiceForm,
    add_record_errors,
)
from cchub.registry.jsonld import centre_jsonld, cluster_jsonld, organisation_jsonld, service_jsonld
from cchub.registry.models import (
    COMPETENCES,
    SERVICE_CATEGORIES,
    Centre,
    Cluster,
    CompetenceOffer,
    ContactPoint,
    ImportJob,
    Organisation,
    Release,
    Service,
)
from cchub.registry.permissions import (
    can_create_for_centre,
    can_edit,
    can_propose_centre,
    curated_centre_ids,
)
from cchub.registry.queries import CENTRE_FILTERS, filter_centres
from cchub.registry.releases import ReleaseError, compare, previous_release, publish_release
from cchub.vocab.models import Concept
from cchub.vocab.tree import top_ids


def signed_in(request: HttpRequest) -> Any:
    return request.user if request.user.is_authenticated else None


def require_admin(request: HttpRequest) -> None:
    if not is_network_admin(request.user):
        raise PermissionDenied


# ------------------------------------------------------------------------------- home


def home(request: HttpRequest) -> HttpResponse:
    centres = Centre.objects.public()
    clusters = Cluster.objects.annotate(
        n=Count("centres", filter=Q(centres__review_state=Centre.APPROVED))
    )
    kinds = dict(Centre.KINDS)
    by_kind = [
        (kinds[row["kind"]], row["kind"], row["n"])
        for row in centres.values("kind").annotate(n=Count("pk")).order_by("-n")
    ]
    by_country: Counter[str] = Counter()
    for countries in centres.values_list("countries", flat=True):
        by_country.update(countries)
    reveal = is_network_admin(request.user)
    changes = visibility.latest(Change.objects.select_related("user", "content_type"), reveal, 12)
    return render(request, "registry/home.html", {
        "clusters": clusters,
        "by_kind": by_kind,
        "by_country": [(code, country_name(code), n) for code, n in by_country.most_common()],
        "totals": {
            "centres": centres.count(),
            "services": Service.objects.count(),
            "competences": Concept.objects.filter(scheme__slug=COMPETENCES).count(),
            "offers": CompetenceOffer.objects.filter(centre__review_state=Centre.APPROVED).count(),
        },
        "changes": changes,
        "latest_release": Release.objects.first(),
    })


# ---------------------------------------------------------------------------- centres

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


# ----------------------------------------------------------- offers and contacts (curators)


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


# --------------------------------------------------------------------------- services


def service_list(request: HttpRequest) -> HttpResponse:
    qs = Service.objects.prefetch_related("centres", "categories").order_by("name")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(tagline__icontains=q) | Q(description__icontains=q))
    category = request.GET.get("category", "")
    cluster = request.GET.get("cluster", "")
    if category:
        qs = qs.filter(categories__notation=category)
    if cluster:
        qs = qs.filter(centres__clusters__slug=cluster)
    qs = qs.distinct()
    page = Paginator(qs, 40).get_page(request.GET.get("page"))
    categories = Concept.objects.filter(scheme__slug=SERVICE_CATEGORIES).annotate(
        n=Count("services_in_category", distinct=True)).order_by("position")
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "registry/service_list.html", {
        "page": page, "q": q, "category": category, "cluster": cluster,
        "categories": categories, "clusters": Cluster.objects.all(),
        "querystring": params.urlencode(),
        "can_add": is_network_admin(request.user) or bool(curated_centre_ids(request.user)),
    })


def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(
        Service.objects.prefetch_related(
            Prefetch("centres", queryset=Centre.objects.public()),
            "categories", "domains", "access_types", "target_users"),
        slug=slug)
    fmt = jsonld.wanted(request)
    if fmt:
        return jsonld.respond(service_jsonld(service), fmt)
    editable = can_edit(request.user, service)
    response = render(request, "registry/service_detail.html", {
        "service": service, "editable": editable,
        "jsonld": jsonld.embed(service_jsonld(service)),
        "changes": visibility.latest(history_for(service), editable, 10),
        "offers": service.evidence_for.select_related("centre", "competence"),
    })
    response["Vary"] = "Accept, Cookie"
    return response


def _service_centres(request: HttpRequest) -> QuerySet[Centre]:
    if is_network_admin(request.user):
        return Centre.objects.public()
    return Centre.objects.filter(pk__in=curated_centre_ids(request.user))


@login_required
def service_form(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    service = get_object_or_404(Service, slug=slug) if slug else Service()
    admin = is_network_admin(request.user)
    if slug and not can_edit(request.user, service):
        raise PermissionDenied
    if not slug and not (admin or curated_centre_ids(request.user)):
        raise PermissionDenied
    centres = _service_centres(request)
    if slug and not admin:
        # Keep the other centres a curator cannot change; they stay linked.
        centres = Centre.objects.filter(Q(pk__in=centres.values("pk")) | Q(services=service)).distinct()
    if request.method == "POST":
        form = ServiceForm(request.POST, centres=centres)
        if form.is_valid():
            data = form.record()
            old = set(service.centres.values_list("slug", flat=True)) if slug else set()
            curated = set(Centre.objects.filter(pk__in=curated_centre_ids(request.user))
                          .values_list("slug", flat=True))
            if not admin and (set(data["centres"]) ^ old) - curated:
                form.add_error("centres", "You may add or remove only centres you curate.")
            else:
                try:
                    apply(service, data, request.user, note="web form")
                    messages.success(request, f"{service.name} saved.")
                    return redirect(service)
                except RecordInvalid as exc:
                    add_record_errors(form, exc)
    else:
        initial = ServiceForm.initial_for(service) if slug else {}
        form = ServiceForm(initial=initial, centres=centres)
    return render(request, "registry/form.html", {
        "form": form, "title": f"Edit {service.name}" if slug else "Add a service",
        "back": service.get_absolute_url() if slug else "/services/",
    })


# ------------------------------------------------------------ clusters, organisations


def cluster_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = get_object_or_404(Cluster, slug=slug)
    centres = cluster.centres.public().annotate(n_offers=Count("offers")).order_by("kind", "acronym")
    services = Service.objects.filter(centres__in=centres).distinct().order_by("name")
    return jsonld.page(request, "registry/cluster_detail.html", {
        "cluster": cluster, "centres": centres, "services": services,
    }, lambda: cluster_jsonld(cluster))


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    org = get_object_or_404(Organisation, slug=slug)
    return jsonld.page(request, "registry/organisation_detail.html", {
        "org": org, "centres": org.hosted_centres.public(), "country": country_name(org.country),
    }, lambda: organisation_jsonld(org))


def changes(request: HttpRequest) -> HttpResponse:
    reveal = is_network_admin(request.user)
    changes = visibility.visible(Change.objects.select_related("user", "content_type"), reveal)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    page.object_list = visibility.prepare(page.object_list, reveal)
    return render(request, "registry/history.html", {"subject": None, "page": page, "back": "/"})


# --------------------------------------------------------------------------- releases


def release_list(request: HttpRequest) -> HttpResponse:
    form = None
    if is_network_admin(request.user):
        form = ReleaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                release = publish_release(form.cleaned_data["version"], form.cleaned_data["title"],
                                          form.cleaned_data["notes"], request.user)
                messages.success(request, f"Release {release.version} published.")
                return redirect(release)
            except ReleaseError as exc:
                form.add_error(None, str(exc))
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "registry/release_list.html", {
        "releases": Release.objects.defer("snapshot").select_related("created_by"), "form": form,
    })


def release_detail(request: HttpRequest, version: str) -> HttpResponse:
    release = get_object_or_404(Release, version=version)
    before = previous_release(release)
    diff = compare(public_view(before.snapshot), public_view(release.snapshot)) if before else None
    return render(request, "registry/release_detail.html", {
        "release": release, "previous": before, "diff": diff,
    })


def release_download(request: HttpRequest, version: str) -> HttpResponse:
    release = get_object_or_404(Release, version=version)
    response = JsonResponse(public_view(release.snapshot),
                            json_dumps_params={"indent": 1, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="cchub-registry-{release.version}.json"'
    return response


def export_download(request: HttpRequest) -> HttpResponse:
    data = export_registry()
    if not is_network_admin(request.user):
        data = public_view(data)
    body = json.dumps(data, indent=1, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="cchub-registry.json"'
    return response


# ----------------------------------------------------------------------------- import


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    from cchub.registry.tasks import run_import

    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            folder = settings.DATA_DIR / "imports"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{uuid.uuid4().hex}-{upload.name.rsplit('/', 1)[-1][-80:]}"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            job = ImportJob.objects.create(file_name=upload.name, stored_path=str(path),
                                           dry_run=form.cleaned_data["dry_run"],
                                           created_by=signed_in(request))
            transaction.on_commit(lambda: run_import.enqueue(job.pk))
            return redirect(job)
    else:
        form = ImportForm()
    jobs = ImportJob.objects.select_related("created_by")[:10]
    return render(request, "registry/import.html", {"form": form, "jobs": jobs})


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request)
    job = get_object_or_404(ImportJob, pk=pk)
    template = "registry/_import_job.html" if is_htmx(request) else "registry/import_job.html"
    return render(request, template, {"job": job})


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


