"""Forms of the helpdesk pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from cchub.lib.countries import COUNTRIES, LANGUAGES
from cchub.registry.models import COMPETENCES, Service
from cchub.support.attachments import Upload, allowed_extensions
from cchub.support.models import PRIORITIES, STATES, TOP
from cchub.vocab.models import Concept


def _choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(FilesField, self).clean(item, initial) for item in items]


def uploads_of(files: list[Any]) -> list[Upload]:
    return [Upload(name=f.name, content=f.read()) for f in files]


def _attachments() -> FilesField:
    return FilesField(
        required=False,
        label="Attachments",
        help_text=f"Up to 5 files ({', '.join(allowed_extensions())}).",
        widget=MultipleFileInput(attrs={"accept": ",".join(allowed_extensions())}),
    )


HONEYPOT = "website"


class QuestionForm(forms.Form):
    subject = forms.CharField(max_length=200, help_text="Your question in one line.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        label="Details",
        help_text="What you are trying to do, what you tried, what happened. Markdown works.",
    )
    stage = forms.ChoiceField(required=False, label="Stage of your research workflow")
    country = forms.ChoiceField(required=False, label="Your country")
    language = forms.ChoiceField(required=False, label="Preferred language for the answer")
    service = forms.ChoiceField(required=False, label="Service your question is about")
    priority = forms.ChoiceField(choices=PRIORITIES, initial="less-urgent")
    name = forms.CharField(max_length=200, required=False, label="Your name")
    email = forms.EmailField(
        required=False,
        label="Your e-mail address",
        help_text="We send a link to confirm it; it is shown only to the people who answer.",
    )
    attachments = _attachments()

    def __init__(self, *args: Any, guest: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        stages = Concept.objects.filter(scheme__slug=COMPETENCES, broader__isnull=True).order_by("position")
        _choices(self, "stage", [("", "Not sure")] + [(c.notation, c.pref_label) for c in stages])
        countries = sorted(((k, v) for k, v in COUNTRIES.items() if k != "EU"), key=lambda kv: kv[1])
        _choices(self, "country", [("", "—"), *countries])
        _choices(
            self, "language", [("", "English is fine"), *sorted(LANGUAGES.items(), key=lambda kv: kv[1])]
        )
        services = Service.objects.order_by("name").values_list("slug", "name")
        _choices(self, "service", [("", "None in particular"), *services])
        if guest:
            self.fields["email"].required = True
            # Guests: no top priority, no files before the address is confirmed, and a field
            # people never see (bots fill it in).
            _choices(self, "priority", [p for p in PRIORITIES if p[0] != TOP])
            del self.fields["attachments"]
            self.fields[HONEYPOT] = forms.CharField(
                required=False, label="Leave this field empty",
                widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
        else:
            del self.fields["name"]
            del self.fields["email"]

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip())


class ReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), label="Your reply")
    public = forms.BooleanField(
        required=False, initial=True, label="Visible to the requester (untick for an internal note)"
    )
    state = forms.ChoiceField(required=False, label="Then set the state to")
    attachments = _attachments()

    def __init__(self, *args: Any, staff: bool = False, sets_state: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["public"]
        if staff and sets_state:
            _choices(
                self, "state", [("", "keep as it is")] + [s for s in STATES if s[0] not in ("new", "closed")]
            )
        else:  # triagers and invited centres reply without changing the state
            del self.fields["state"]


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        label="Text",
        help_text="Markdown. Check that no personal data remains.",
    )
    competences = forms.MultipleChoiceField(required=False, widget=forms.SelectMultiple(attrs={"size": 10}))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        concepts = Concept.objects.filter(scheme__slug=COMPETENCES).order_by("position")
        _choices(self, "competences", list(concepts.values_list("notation", "pref_label")))
