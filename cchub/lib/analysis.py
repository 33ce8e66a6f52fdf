"""Text analysis in the network's languages: which language a text is in, its words without
stop words, and their stems.

Language identification is py3langid (a small model shipped in the package, limited to the
languages below); stop words come from the ``stop-words`` lists, stems from the Snowball
stemmers (``snowballstemmer``). English keeps the light stemmer the router always used,
which joins plurals and British/American spellings without mangling technical words.
French, Italian and Catalan elisions (``j'ai``, ``l'archivio``) are split off, so that
"j'ai" is not read as "AI".
"""

from __future__ import annotations

import functools
import re
import unicodedata

LANGUAGES = ("en", "de", "fr", "it", "es", "pl", "nl", "pt")
SNOWBALL = {"de": "german", "fr": "french", "it": "italian", "es": "spanish", "pl": "polish",
            "nl": "dutch", "pt": "portuguese"}
STOP_WORD_NAMES = {"en": "english", "de": "german", "fr": "french", "it": "italian", "es": "spanish",
                   "pl": "polish", "nl": "dutch", "pt": "portuguese"}
ELISION = re.compile(r"\b(?:[cdjlmnst]|qu|dell|all|nell|sull|dall|un)['’]", re.I)
WORD = re.compile(r"[^\W\d_][^\W_]*|\d+[^\W\d_]+[^\W_]*", re.UNICODE)
# Words every language's questions are full of that say nothing about the topic.
EXTRA_STOP = {
    "en": "anyone advice advise question questions thank thanks hello hi dear regards help helps need needs "
          "please someone something want wants get gets getting know let like use used using way",
    "de": "hallo frage fragen hilfe brauche brauchen bitte danke gruß grüße vielen dank",
    "fr": "bonjour question questions aide besoin merci cordialement salutations svp",
    "it": "buongiorno salve domanda domande aiuto bisogno grazie cordiali saluti",
    "es": "hola pregunta preguntas ayuda necesito necesitamos gracias saludos",
    "pl": "dzień dobry pytanie pytania pomoc potrzebuję dziękuję pozdrawiam",
    "nl": "hallo vraag vragen hulp nodig bedankt groeten alvast",
    "pt": "olá pergunta perguntas ajuda preciso obrigado obrigada cumprimentos",
}


@functools.cache
def _identifier() -> object:
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True, langs=list(LANGUAGES))


def detect(text: str, hint: str = "", threshold: float = 0.7) -> str:
    """The language of ``text``: ``hint`` when it is one of ours, else the identified one
    when the model is confident, else English."""
    hint = (hint or "").lower()
    if hint in LANGUAGES:
        return hint
    words = WORD.findall(text or "")
    if len(words) < 3:
        return "en"
    language, probability = _identifier().classify(text)  # type: ignore[attr-defined]
    return str(language) if probability >= threshold else "en"


@functools.cache
def stop_words(language: str) -> frozenset[str]:
    from stop_words import get_stop_words

    words = set(EXTRA_STOP.get(language, "").split())
    name = STOP_WORD_NAMES.get(language)
    if name:
        words |= {w.lower() for w in get_stop_words(name)}
    return frozenset(words)


@functools.cache
def _stemmer(language: str) -> object:
    import snowballstemmer

    return snowballstemmer.stemmer(SNOWBALL[language])


def fold(word: str) -> str:
    """Without accents: people type "donnees" as well as "données"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def english_stem(word: str) -> str:
    """A light English stemmer: plurals, -ing/-ed forms, British/American spellings."""
    w = word
    if w.startswith("licenc"):
        w = "licens" + w[6:]
    for old, new in (("isation", "ization"), ("ising", "izing"), ("ised", "ized"), ("ise", "ize")):
        if w.endswith(old) and len(w) > len(old) + 2:
            w = w[: -len(old)] + new
            break
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 5 and w.endswith("ing"):
        return w[:-3]
    if len(w) > 4 and w.endswith("ed") and not w.endswith("eed"):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


@functools.lru_cache(maxsize=100_000)
def stem(word: str, language: str = "en") -> str:
    if language == "en" or language not in SNOWBALL:
        return fold(english_stem(word))
    return fold(_stemmer(language).stemWord(word))  # type: ignore[attr-defined]


def words(text: str) -> list[str]:
    """Lower-case words, elisions split off."""
    return WORD.findall(ELISION.sub(" ", (text or "").lower()))


@functools.cache
def _stop(language: str) -> frozenset[str]:
    return stop_words("en") | stop_words(language)


def content_words(text: str, language: str = "en") -> list[str]:
    """The words that carry meaning: no stop words of English or of ``language``."""
    stop = _stop(language)
    return [w for w in words(text) if w not in stop and len(w) > 1]
