"""Forms of the public pages. They parse input; validation and saving happen in writes.apply."""

from __future__ import annotations

from typing import Any

from django import forms

from cchub.lib.text import split_list
from cchub.records.writes import RecordInvalid
from cchub.registry.models import (
    ACCESS_TYPES,
    COMPETENCES,
    DOMAINS,
    SERVICE_CATEGORIES,
    TARGET_USERS,
    TRL,
    Centre,
    Cluster,
    CompetenceOffer,
    Organisation,
    Service,
)
from cchub.vocab.models import Concept

LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"RIFF": "webp"}
MAX_LOGO_BYTES = 512 * 1024


def concepts(scheme: str) -> Any:
    return Concept.objects.filter(scheme__slug=scheme).order_by("position", "pref_label")


class ListField(forms.CharField):
    """Comma or semicolon separated codes."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return split_list(text.replace(",", ";"))


class ConceptChoice(forms.ModelMultipleChoiceField):
    def __init__(self, scheme: str, **kwargs: Any):
        super().__init__(queryset=concepts(scheme), to_field_name="notation", required=False, **kwargs)

    def label_from_instance(self, obj: Concept) -> str:  # type: ignore[override]
        return obj.pref_label


def add_record_errors(form: forms.Form, exc: RecordInvalid) -> None:
    for name, messages in exc.errors.items():
        field = name if name in form.fields else None
        for message in messages:
            form.add_error(field, message if field else f"{name}: {message}")


class CentreForm(forms.Form):
    acronym = forms.CharField(max_length=40)
    name = forms.CharField(max_length=250)
    kind = forms.ChoiceField(choices=Centre.KINDS)
    status = forms.ChoiceField(choices=Centre.STATUSES, initial="candidate")
    mou_date = forms.DateField(required=False, label="MoU date",
                               widget=forms.DateInput(attrs={"type": "date"}))
    clusters = forms.ModelMultipleChoiceField(
        queryset=Cluster.objects.all(), to_field_name="slug", required=False,
        widget=forms.CheckboxSelectMultiple)
    countries = ListField(
        required=False, help_text="ISO codes separated by commas, e.g. IT, DE; EU for pan-European")
    languages = ListField(required=False, help_text="ISO 639-1 codes, e.g. en, it")
    hosts = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.all(), to_field_name="slug", required=False,
        help_text="Hosting organisations (hold Ctrl to pick several)")
    website = forms.URLField(required=False, assume_scheme="https")
    helpdesk_email = forms.EmailField(required=False, label="Helpdesk e-mail")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False,
                                  help_text="Markdown: **bold**, lists, links")
    logo = forms.FileField(required=False, help_text="PNG, JPEG or WebP, at most 512 KB")

    @classmethod
    def initial_for(cls, centre: Centre) -> dict[str, Any]:
        record = centre.as_record()
        record["countries"] = ", ".join(centre.countries)
        record["languages"] = ", ".join(centre.languages)
        return record

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if not logo:
            return logo
        if logo.size > MAX_LOGO_BYTES:
            raise forms.ValidationError("The logo is larger than 512 KB.")
        head = logo.read(12)
        logo.seek(0)
        kind = next((k for magic, k in LOGO_TYPES.items() if head.startswith(magic)), None)
        if kind is None or (kind == "webp" and head[8:12] != b"WEBP"):
            raise forms.ValidationError("The logo must be a PNG, JPEG or WebP image.")
        logo.name = f"logo.{kind}"
        return logo

    def record(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("logo", None)
        data["clusters"] = [c.slug for c in data["clusters"]]
        data["hosts"] = [o.slug for o in data["hosts"]]
        data["mou_date"] = data["mou_date"].isoformat() if data["mou_date"] else None
        return data


class OfferForm(forms.Form):
    competence = forms.ModelChoiceField(queryset=concepts(COMPETENCES), to_field_name="notation")
    level = forms.ChoiceField(choices=CompetenceOffer.LEVELS)
    evidence_url = forms.URLField(required=False, assume_scheme="https", label="Evidence link")
    evidence_service = forms.ModelChoiceField(
        queryset=Service.objects.all(), to_field_name="slug", required=False,
        label="Evidence service")
    evidence_note = forms.CharField(required=False, max_length=500, label="Evidence note")

    def __init__(self, *args: Any, centre: Centre, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.centre = centre
        self.fields["evidence_service"].queryset = centre.services.all()  # type: ignore[attr-defined]

    def record(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["centre"] = self.centre.slug
        d["competence"] = d["competence"].notation
        d["evidence_service"] = d["evidence_service"].slug if d["evidence_service"] else None
        return d


class ContactForm(forms.Form):
    name = forms.CharField(max_length=200)
    role = forms.CharField(max_length=200, required=False)
    orcid = forms.CharField(max_length=40, required=False, label="ORCID iD")
    email = forms.EmailField(required=False, label="E-mail")
    email_public = forms.BooleanField(
        required=False, label="The person allowed this address to be shown publicly")
    position = forms.IntegerField(min_value=0, initial=0, required=False)

    def __init__(self, *args: Any, centre: Centre, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.centre = centre

    def record(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["centre"] = self.centre.slug
        d["position"] = d["position"] or 0
        return d


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=250)
    tagline = forms.CharField(max_length=300, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False,
                                  help_text="Markdown")
    url = forms.URLField(required=False, assume_scheme="https", label="Web address")
    centres = forms.ModelMultipleChoiceField(queryset=Centre.objects.none(), to_field_name="slug",
                                             help_text="Centres offering the service")
    categories = ConceptChoice(SERVICE_CATEGORIES, widget=forms.CheckboxSelectMultiple)
    domains = ConceptChoice(DOMAINS, label="Scientific domains")
    access_types = ConceptChoice(ACCESS_TYPES, widget=forms.CheckboxSelectMultiple)
    target_users = ConceptChoice(TARGET_USERS, widget=forms.CheckboxSelectMultiple)
    trl = forms.ModelChoiceField(queryset=concepts(TRL), to_field_name="notation",
                                 required=False, label="Technology readiness level")
    standards = ListField(required=False, label="Standards and interfaces",
                          help_text="Separated by commas, e.g. TAP, ADQL, OIDC")
    helpdesk_email = forms.EmailField(required=False, label="Helpdesk e-mail")
    helpdesk_url = forms.URLField(required=False, assume_scheme="https", label="Helpdesk page")
    terms_url = forms.URLField(required=False, assume_scheme="https", label="Terms of use")

    def __init__(self, *args: Any, centres: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["centres"].queryset = centres  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, service: Service) -> dict[str, Any]:
        record = service.as_record()
        record["standards"] = ", ".join(service.standards)
        return record

    def record(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["centres"] = [c.slug for c in d["centres"]]
        for name in ("categories", "domains", "access_types", "target_users"):
            d[name] = [c.notation for c in d[name]]
        d["trl"] = d["trl"].notation if d["trl"] else None
        return d


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           label="Reason (recorded with the decision)")


class ReleaseForm(forms.Form):
    version = forms.CharField(max_length=40, help_text="e.g. 2026.2")
    title = forms.CharField(max_length=200, help_text="e.g. Registry updated")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(help_text="Survey (.csv or .xlsx) or a registry export (.json)")
    dry_run = forms.BooleanField(required=False, initial=True,
                                 label="Check only (dry run): report problems, write nothing")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx", ".json", ".tsv")):
            raise forms.ValidationError("Upload a .csv, .xlsx or .json file.")
        return upload
