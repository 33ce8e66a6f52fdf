"""The new text of an e-mail: what the person wrote now, without the quoted history, the
signature or the legal disclaimer, in the network's languages.

Quote and signature detection is ``mail-parser-reply`` (attribution lines such as "On …
wrote:", "Am … schrieb", "Il giorno … ha scritto:", Outlook's "From: … Sent: …" block and
separator, "Best regards" / "Mit freundlichen Grüßen" signatures, in en, de, fr, it, es, pl,
nl and more). Around it, this module adds what that library leaves: HTML-only mail
(Gmail's and Outlook's quote containers are dropped before the text is read), attribution
lines it misses (Spanish with the address in brackets, French wrapped over two lines),
disclaimers, and replies written *below* the quote.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser

LANGUAGES = ["en", "de", "fr", "it", "es", "pl", "nl", "sv", "da", "cs"]
_parser = EmailReplyParser(languages=LANGUAGES)

# Attribution lines, possibly wrapped over two lines by the mail client.
ATTRIBUTION = re.compile(
    r"^\s*(On\s.{0,200}?\swrote"
    r"|Le\s.{0,200}?\sa\s+écrit"
    r"|Am\s.{0,200}?\sschrieb.{0,200}?"
    r"|Il\s.{0,200}?\sha\s+scritto"
    r"|El\s.{0,200}?\sescribió"
    r"|Op\s.{0,200}?\sschreef.{0,200}?"
    r"|W\sdniu\s.{0,200}?\spisze"
    r"|Em\s.{0,200}?\sescreveu"
    r"|-+\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Messaggio originale"
    r"|Mensaje original|Oorspronkelijk bericht|Oryginalna wiadomość)\s*-+"
    r")\s*:?\s*$",
    re.I | re.S,
)
OUTLOOK_RULE = re.compile(r"^\s*_{10,}\s*$")
OUTLOOK_HEADER = re.compile(r"^\s*\*?(From|Von|De|Da|Od|Van|Från)\s*:\*?\s", re.I)
SENT_HEADER = re.compile(
    r"^\s*\*?(Sent|Gesendet|Envoyé|Inviato|Enviado|Verzonden|Wysłane|Date|Datum)\s*:", re.I
)
SIGNATURE_RULE = re.compile(r"^--\s*$")
# The first words of a confidentiality notice, in the network's languages.
DISCLAIMER = re.compile(
    r"^\s*(This (e-?mail|message)( and any (files|attachments))?.{0,60}(confidential|intended (solely|only))"
    r"|(CONFIDENTIALITY|DISCLAIMER)\b"
    r"|Diese (E-?Mail|Nachricht).{0,80}(vertraulich|Informationen)"
    r"|Ce (message|courriel).{0,80}(confidentiel|destinataire)"
    r"|Questo (messaggio|e-?mail).{0,80}(riservat|confidenzial|destinatari)"
    r"|Este (mensaje|correo).{0,80}(confidencial|destinatario)"
    r"|Deze (e-?mail|boodschap|bericht).{0,80}(vertrouwelijk|bestemd)"
    r"|Ta wiadomość.{0,80}(poufn|adresat)"
    r")",
    re.I,
)
AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|abwesenheit"
    r"|automatische antwort|réponse automatique|absence|risposta automatica|fuori sede"
    r"|respuesta automática|fuera de la oficina|afwezig|automatisch antwoord|odpowiedź automatyczna"
    r"|nieobecność)",
    re.I,
)


class _HtmlText(HTMLParser):
    """Text of an HTML mail, without quoted containers (``<blockquote>``, Gmail's
    ``gmail_quote``, Outlook's ``divRplyFwdMsg`` and what follows it), scripts or styles."""

    SKIP_TAGS = {"blockquote", "script", "style", "head", "title"}
    SKIP_MARKS = ("gmail_quote", "divrplyfwdmsg", "moz-cite-prefix", "yahoo_quoted", "outlookmessageheader")
    BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []
        self.stopped = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        marks = " ".join(v or "" for k, v in attrs if k in ("class", "id")).lower()
        if "divrplyfwdmsg" in marks:  # Outlook: everything after this is the old mail
            self.stopped = True
            return
        if self.skipping:
            if tag not in {"br", "hr", "img", "meta", "input"}:
                self.skipping.append(tag)
            return
        if tag in self.SKIP_TAGS or any(m in marks for m in self.SKIP_MARKS):
            self.skipping.append(tag)
            return
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            self.skipping.pop()
            return
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping and not self.stopped:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    reader = _HtmlText()
    reader.feed(markup)
    reader.close()
    text = html.unescape("".join(reader.parts)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _cut_at_history(lines: list[str]) -> list[str]:
    """The lines before the first attribution, Outlook header or signature rule."""
    for i, line in enumerate(lines):
        pair = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if SIGNATURE_RULE.match(line) or OUTLOOK_RULE.match(line):
            return lines[:i]
        if ATTRIBUTION.match(line) or (ATTRIBUTION.match(pair) and not ATTRIBUTION.match(lines[i + 1])):
            return lines[:i]
        if OUTLOOK_HEADER.match(line) and any(
            SENT_HEADER.match(nxt) for nxt in lines[i + 1 : i + 3]
        ):
            return lines[:i]
    return lines


def _cut_disclaimer(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if i > 0 and DISCLAIMER.match(line):
            return lines[:i]
    return lines


def _below_the_quote(text: str) -> str:
    """A reply written under the quoted mail: the unquoted lines after the last quote."""
    lines = text.splitlines()
    last_quote = max((i for i, line in enumerate(lines) if line.lstrip().startswith(">")), default=-1)
    if last_quote < 0:
        return ""
    return "\n".join(lines[last_quote + 1 :]).strip()


def new_text(text: str, *, is_html: bool = False) -> str:
    """What the sender wrote in this message."""
    if is_html:
        text = html_to_text(text)
    text = text.replace("\r\n", "\n").strip()
    try:
        parsed = _parser.read(text)
        first = parsed.replies[0].body if parsed.replies else text
    except Exception:  # noqa: BLE001 — the library's regular expressions must never cost a message
        first = text
    lines = [line.rstrip() for line in (first or "").splitlines()]
    lines = _cut_disclaimer(_cut_at_history(lines))
    kept = "\n".join(line for line in lines if not line.lstrip().startswith(">")).strip()
    if not kept:
        # Nothing above the quote: the answer may be below it.
        below = _below_the_quote(text)
        if below:
            return new_text(below)
    return re.sub(r"\n{3,}", "\n\n", kept)


def is_auto_reply(subject: str) -> bool:
    return bool(AUTO_REPLY_SUBJECT.match(subject or ""))
