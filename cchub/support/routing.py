"""Which centres could answer a question: ranked candidates, each with a score and reasons.

The score of a centre adds up
- **competence match**: the question is matched (BM25 over labels, synonyms and definitions,
  and by meaning when the ``semantic`` extra is installed) against the competence taxonomy;
  each centre earns what its offers of the matched competences are worth at their level
  (expert consultancy counts more than a referral);
- **profile match**: the question against the centre's own text (name, description, hosts,
  services, standards, clusters' domains);
- **experience**: the nearest finished tickets vote for the centre that solved them, and
  against a centre that transferred them away, so the network's routing learns;
then multiplies by the **fit**: the researcher's country (given or named in the text) and
language, the service they named, and the centre's current load.

Everything is computed in memory from a profile that is rebuilt only when the registry or
the finished tickets change.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q

from cchub import search
from cchub.lib import analysis
from cchub.lib.countries import COUNTRIES, DEMONYMS, country_name, language_name
from cchub.registry.models import COMPETENCES, Centre, CompetenceOffer, Service
from cchub.vocab.models import Concept
from cchub.vocab.translations import labels as translated_labels

LEVEL_WEIGHT = {"expert": 1.0, "hands-on": 0.8, "training": 0.45, "referral": 0.25}
LEVEL_PHRASE = {
    "expert": "offers expert consultancy in",
    "hands-on": "gives hands-on support in",
    "training": "teaches",
    "referral": "can refer you onwards for",
}
# Serving the researcher's country, and answering in their language, multiply a centre's
# evidence; kept below what a better-matching expertise earns (review R3).
COUNTRY_BOOST = 0.35
LANGUAGE_BOOST = 0.25
SERVICE_BONUS = 1.0
SERVICE_NAMED_BONUS = 0.6  # a service the question names in its text (review R6)
CENTRE_NAMED_BONUS = 0.6  # the question names the centre itself
# A candidate is assigned directly when it is clearly ahead: a strong score and a margin.
AUTO_MIN_SCORE = 1.1
AUTO_MIN_MARGIN = 1.35
NEIGHBOURS = 8
MAX_EXPERIENCE = 20000

WORD = analysis.WORD


def terms(text: str, language: str = "en", *, both: bool = False) -> list[str]:
    """Stems of the content words, without the stop words of English and of ``language``,
    plus the pairs of neighbouring stems (bigrams). With ``both`` (a question in another
    language), each word also gives its English stem, so that the English names of tools,
    standards and services in a German or Spanish question still match."""
    found: list[str] = []
    primary: list[str] = []
    for word in analysis.content_words(text, language):
        first = analysis.stem(word, language)
        primary.append(first)
        found.append(first)
        if both and language != "en":
            other = analysis.stem(word, "en")
            if other != first:
                found.append(other)
    return found + [f"{a}_{b}" for a, b in zip(primary, primary[1:], strict=False)]


class Bm25:
    """Okapi BM25 over weighted bags of terms."""

    def __init__(self, docs: list[Counter[str]], k1: float = 1.2, b: float = 0.6):
        self.k1, self.b = k1, b
        self.lengths = [sum(d.values()) for d in docs]
        self.avg = (sum(self.lengths) / len(docs)) if docs else 1.0
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for term, tf in doc.items():
                self.postings[term].append((i, tf))
        n = len(docs)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, query: Iterable[str]) -> dict[int, float]:
        found: dict[int, float] = defaultdict(float)
        for term, qtf in Counter(query).items():
            idf = self.idf.get(term)
            if idf is None:
                continue
            for i, tf in self.postings[term]:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.avg or 1.0))
                found[i] += idf * tf * (self.k1 + 1) / (tf + norm) * min(qtf, 2)
        return found

    def coverage(self, query: Iterable[str], doc: Counter[str]) -> float:
        """The share of the query's distinct words that the document contains: 1.0 when it
        has them all. Unlike a BM25 score normalised by the best one, a document sharing a
        single word stays low however few documents there are to compare with."""
        words = {t for t in query if "_" not in t}
        return sum(1 for t in words if t in doc) / len(words) if words else 0.0

    def matched(self, query: Iterable[str], doc: Counter[str]) -> list[str]:
        """The query's rarest terms that the document contains."""
        hits = {t for t in query if t in doc and "_" not in t}
        return sorted(hits, key=lambda t: -self.idf.get(t, 0))


def _bag(*parts: tuple[str, float], language: str = "en") -> Counter[str]:
    bag: Counter[str] = Counter()
    for text, weight in parts:
        for t in _terms_of(text, language):
            bag[t] += weight  # type: ignore[assignment]
    return bag


@functools.lru_cache(maxsize=50_000)
def _terms_of(text: str, language: str) -> tuple[str, ...]:
    """The terms of a text of the registry (labels, descriptions), computed once per text."""
    return tuple(terms(text, language))


@dataclass
class CentreProfile:
    centre_id: int
    acronym: str
    name: str
    url: str
    countries: list[str]
    languages: list[str]
    offers: dict[int, str]  # competence id -> best level
    services: set[int]
    accepts: bool
    staffed: bool = True
    named: str | None = None  # the centre's acronym as people write it

@dataclass
class Profile:
    stamp: tuple[Any, ...]
    centres: list[CentreProfile]
    concepts: list[Concept]
    concept_index: Bm25
    concept_parent: dict[int, int | None]
    centre_index: Bm25
    centre_bags: list[Counter[str]]
    experience: list[tuple[int, list[int], float]]  # (final centre, centres that gave it away, weight)
    experience_index: Bm25
    experience_bags: list[Counter[str]]
    country_words: dict[str, str]
    label_terms: list[list[frozenset[str]]] = field(default_factory=list)  # concept index -> its labels
    acronyms: dict[str, list[int]] = field(default_factory=dict)  # acronym as written -> centre ids
    service_names: list[tuple[re.Pattern[str], int, str]] = field(default_factory=list)
    offered_by: dict[int, list[int]] = field(default_factory=dict)  # competence pk -> centre indexes
    children: dict[int, list[int]] = field(default_factory=dict)  # concept pk -> narrower pks
    index_of: dict[int, int] = field(default_factory=dict)  # centre pk -> centre index
    checked_at: float = 0.0
    generation: int = 0
    concept_vectors: Any = None
    centre_vectors: Any = None
    experience_vectors: Any = None

    @functools.cached_property
    def concept_by_pk(self) -> dict[int, Concept]:
        return {c.pk: c for c in self.concepts}


@dataclass
class Candidate:
    centre_id: int
    acronym: str
    name: str
    url: str
    score: float
    reasons: list[str] = field(default_factory=list)
    accepts: bool = True
    staffed: bool = True  # someone answers there (see support.staffing)

    def as_dict(self) -> dict[str, Any]:
        return {
            "centre": {"id": self.centre_id, "acronym": self.acronym, "name": self.name, "url": self.url},
            "score": round(self.score, 3),
            "reasons": self.reasons,
            "staffed": self.staffed,
        }


@dataclass
class Question:
    subject: str
    body: str = ""
    language: str = ""
    country: str = ""
    service_id: int | None = None
    stage: str = ""  # notation of a top concept of the competence taxonomy

    @property
    def text(self) -> str:
        # The subject says what the question is about; count it twice.
        return f"{self.subject}\n{self.subject}\n{self.body}"

    @functools.cached_property
    def analysed_language(self) -> str:
        """The language the question is written in (given, or identified)."""
        return analysis.detect(f"{self.subject}\n{self.body}", self.language)

    def terms(self) -> list[str]:
        language = self.analysed_language
        return terms(self.text, language, both=language != "en")


_lock = threading.Lock()
_cache: dict[str, Profile] = {}


def _stamp() -> tuple[Any, ...]:
    from cchub.support.models import FINISHED_STATES, Desk, Supporter, Ticket, TicketEvent

    def last(model: Any, name: str = "updated_at") -> Any:
        return model.objects.aggregate(n=Count("pk"), m=Max(name))

    return (
        tuple(sorted(last(Centre).items())),
        tuple(sorted(last(CompetenceOffer).items())),
        tuple(sorted(last(Service).items())),
        tuple(sorted(last(Concept, "pk").items())),
        Desk.objects.filter(accepts_tickets=False).count(),
        tuple(sorted(Supporter.objects.aggregate(n=Count("pk"), m=Max("pk")).items())),
        tuple(sorted(Desk.objects.aggregate(
            v=Count("address_verified_at"), h=Count("pk", filter=~Q(handover=""))).items())),
        tuple(
            sorted(
                Ticket.objects.filter(state__in=FINISHED_STATES)
                .aggregate(n=Count("pk"), m=Max("updated_at"))
                .items()
            )
        ),
        TicketEvent.objects.filter(kind__in=[TicketEvent.TRANSFER, TicketEvent.REFERRAL]).count(),
        Ticket.objects.filter(rated_at__isnull=False).aggregate(m=Max("rated_at"))["m"],
        search.semantic_available(),
    )


# Changes made in this process bump the generation (cchub.wiring) and are seen at once;
# changes made by other processes are seen within STAMP_TTL seconds.
STAMP_TTL = 5.0
_generation = [0]


def changed() -> None:
    _generation[0] += 1


def profile() -> Profile:
    """The routing profile, rebuilt when the registry or finished tickets changed.

    The first build happens in the caller. Later rebuilds run in a background thread while
    requests keep using the previous profile (stale for at most the rebuild's duration),
    except with CCHUB_TASKS_INLINE (tests), where they happen at once."""
    cached = _cache.get("profile")
    now = time.monotonic()
    if cached is not None and cached.generation == _generation[0] and now - cached.checked_at < STAMP_TTL:
        return cached
    generation = _generation[0]
    stamp = _stamp()
    if cached is None or (cached.stamp != stamp and settings.TASKS_INLINE):
        with _lock:
            cached = _cache.get("profile")
            if cached is None or cached.stamp != stamp:
                cached = _build(stamp)
                _cache["profile"] = cached
    elif cached.stamp != stamp:
        _rebuild_in_background(stamp)
    cached.checked_at, cached.generation = now, generation
    return cached


def _rebuild_in_background(stamp: tuple[Any, ...]) -> None:
    if not _lock.acquire(blocking=False):
        return  # a rebuild is already running

    def run() -> None:
        from django.db import close_old_connections

        try:
            _cache["profile"] = _build(stamp)
        finally:
            close_old_connections()
            _lock.release()

    threading.Thread(target=run, name="cchub-routing-profile", daemon=True).start()


def _build(stamp: tuple[Any, ...]) -> Profile:
    from cchub.support import satisfaction
    from cchub.support.models import FINISHED_STATES, Desk, Ticket, TicketEvent
    from cchub.support.staffing import staffed_centre_ids

    concepts = list(Concept.objects.filter(scheme__slug=COMPETENCES).order_by("pk"))
    concept_index, label_terms = _concept_index(concepts)
    closed = set(Desk.objects.filter(accepts_tickets=False).values_list("centre_id", flat=True))
    staffed = staffed_centre_ids()
    centres_qs = (
        Centre.objects.public().prefetch_related("offers", "services", "hosts", "clusters").order_by("pk")
    )
    centres, bags = [], []
    for centre in centres_qs:
        offers: dict[int, str] = {}
        for offer in centre.offers.all():
            held = offers.get(offer.competence_id)
            if held is None or LEVEL_WEIGHT[offer.level] > LEVEL_WEIGHT[held]:
                offers[offer.competence_id] = offer.level
        services = list(centre.services.all())
        places = [country_name(c) for c in centre.countries if c != "EU"]
        places += [d for c in centre.countries for d in DEMONYMS.get(c, [])]
        bags.append(
            _bag(
                (f"{centre.acronym} {centre.name}", 2.0),
                (centre.description, 1.0),
                (" ".join(f"{h.name} {h.acronym}" for h in centre.hosts.all()), 2.0),
                (" ".join(places), 2.0),
                (" ".join(f"{s.name} {s.tagline} {' '.join(s.standards)}" for s in services), 1.0),
                (" ".join(s.description for s in services), 0.5),
                (" ".join(k.domain for k in centre.clusters.all()), 1.0),
            )
        )
        centres.append(
            CentreProfile(
                centre_id=centre.pk,
                acronym=centre.acronym,
                name=centre.name,
                url=centre.get_absolute_url(),
                countries=list(centre.countries),
                languages=list(centre.languages),
                offers=offers,
                services={s.pk for s in services},
                accepts=centre.pk not in closed,
                staffed=centre.pk in staffed,
                named=_acronym_named(centre.acronym),
            )
        )
    parent = {c.pk: c.broader_id for c in concepts}

    given_away: dict[int, list[int]] = defaultdict(list)
    # A referral ("we lack the competence") is evidence against a centre, as a transfer is.
    handed = TicketEvent.objects.filter(kind__in=[TicketEvent.TRANSFER, TicketEvent.REFERRAL])
    for event in handed.values("ticket_id", "data"):
        source = (event["data"] or {}).get("from")
        if isinstance(source, int):
            given_away[event["ticket_id"]].append(source)
    finished = (
        Ticket.objects.filter(state__in=FINISHED_STATES, centre__isnull=False, spam=False,
                              merged_into__isnull=True)
        .order_by("-pk")
        .values("pk", "centre_id", "subject", "body", "rating", "rating_solved")[:MAX_EXPERIENCE]
    )
    experience, experience_bags, experience_texts = [], [], []
    for row in finished:
        weight = satisfaction.weight(row["rating"], row["rating_solved"])
        experience.append((row["centre_id"], given_away.get(row["pk"], []), weight))
        experience_bags.append(_bag((row["subject"], 2.0), (row["body"], 1.0)))
        experience_texts.append(f"{row['subject']}. {row['body'][:500]}")

    offered_by: dict[int, list[int]] = defaultdict(list)
    for ci, cp in enumerate(centres):
        for competence_id in cp.offers:
            offered_by[competence_id].append(ci)
    children: dict[int, list[int]] = defaultdict(list)
    for c in concepts:
        if c.broader_id is not None:
            children[c.broader_id].append(c.pk)
    service_names = _service_patterns()
    country_words = {country_name(code).lower(): code for code in COUNTRIES if code != "EU"}
    for code, words in DEMONYMS.items():
        country_words.update({w: code for w in words})
    built = Profile(
        stamp=stamp,
        centres=centres,
        concepts=concepts,
        concept_index=concept_index,
        concept_parent=parent,
        centre_index=Bm25(bags),
        centre_bags=bags,
        experience=experience,
        experience_index=Bm25(experience_bags),
        experience_bags=experience_bags,
        offered_by=dict(offered_by),
        children=dict(children),
        index_of={cp.centre_id: ci for ci, cp in enumerate(centres)},
        country_words=country_words,
        label_terms=label_terms,
        service_names=service_names,
    )
    for cp in centres:
        if cp.named:
            built.acronyms.setdefault(cp.named, []).append(cp.centre_id)
    if search.semantic_available():
        built.concept_vectors = search.embed_stored(
            [f"{c.pref_label}. {', '.join(c.alt_labels)}. {c.definition}" for c in concepts]
        )
        built.centre_vectors = search.embed_stored(
            [_centre_text(c, b) for c, b in zip(centres, bags, strict=True)]
        )
        built.experience_vectors = search.embed_stored(experience_texts) if experience_texts else None
    return built


_concept_indexes: dict[tuple[Any, ...], tuple[Bm25, list[list[frozenset[str]]]]] = {}


def _concept_index(concepts: list[Concept]) -> tuple[Bm25, list[list[frozenset[str]]]]:
    """The competence taxonomy's index (labels in every language, definitions) and each
    concept's label words. The taxonomy changes rarely: the index is built once per version
    of it, not at every rebuild of the profile."""
    key = tuple((c.pk, c.notation, c.pref_label, tuple(c.alt_labels), c.definition) for c in concepts)
    found = _concept_indexes.get(key)
    if found is not None:
        return found
    translations = translated_labels(COMPETENCES)
    concept_bags, label_terms = [], []
    for c in concepts:
        bag = _bag((c.pref_label, 3.0), (" ".join(c.alt_labels), 3.0), (c.definition, 1.0))
        labels = [_words(label, "en") for label in [c.pref_label, *c.alt_labels]]
        for language, names in translations.get(c.notation, {}).items():
            for name in names:
                bag.update(_bag((name, 3.0), language=language))
                labels.append(_words(name, language))
        concept_bags.append(bag)
        label_terms.append([words for words in labels if words])
    _concept_indexes.clear()  # one version at a time
    _concept_indexes[key] = (Bm25(concept_bags), label_terms)
    return _concept_indexes[key]


ACRONYM_TOKEN = re.compile(r"\w[\w-]*\w")


def _acronym_named(acronym: str) -> str | None:
    """A centre's acronym as the text must carry it, a whole word with its capitals (KIT,
    PSNC, ESCAPE-VO); None for one too short or without capitals to tell from a word."""
    if len(acronym) < 3 or not any(c.isupper() for c in acronym):
        return None
    return acronym


def _centres_named(text: str, prof: Profile) -> set[int]:
    """The centres whose acronym the text names: one look-up per word of the text."""
    return {cid for token in set(ACRONYM_TOKEN.findall(text)) for cid in prof.acronyms.get(token, ())}


def _words(label: str, language: str) -> frozenset[str]:
    return frozenset(t for t in _terms_of(label, language) if "_" not in t)


def _service_patterns() -> list[tuple[re.Pattern[str], int, str]]:
    """How each service is named in a question: its name as a whole word (an all-capitals
    name such as VISA only in capitals, so that a travel visa is not the PaN service)."""
    found = []
    for pk, name in Service.objects.filter(centres__isnull=False).values_list("pk", "name").distinct():
        short = name.split(" (")[0].split(" – ")[0].split(": ")[0].strip()
        names = [short] if len(short) >= 3 and len(short.split()) <= 4 else []
        first = short.split()[0] if short.split() else ""
        # "VISA remote data analysis", "NIRD research data infrastructure": the leading
        # acronym or coined name is what people write.
        if first != short and len(first) >= 3 and (first.isupper() or any(c.isupper() for c in first[1:])):
            names.append(first)
        for found_name in names:
            flags = 0 if found_name.isupper() else re.IGNORECASE
            found.append((re.compile(rf"(?<![\w-]){re.escape(found_name)}(?![\w-])", flags), pk, short))
    return found


def _centre_text(centre: CentreProfile, bag: Counter[str]) -> str:
    words = [t for t, _ in bag.most_common(60) if "_" not in t]
    return f"{centre.name}. {' '.join(words)}"


def _normalised(scores: dict[int, float]) -> dict[int, float]:
    top = max(scores.values(), default=0.0)
    return {k: v / top for k, v in scores.items()} if top > 0 else {}


def _semantic_scores(vectors: Any, query_vector: Any, floor: float, k: int = 50) -> dict[int, float]:
    """The ``k`` nearest by cosine similarity above ``floor``, rescaled so that the best is 1."""
    import numpy as np

    if vectors is None or query_vector is None or not len(vectors):
        return {}
    sims = vectors @ query_vector
    best = np.argpartition(-sims, k)[:k] if len(sims) > k else np.arange(len(sims))
    top = float(sims[best].max())
    if top <= floor:
        return {}
    return {int(i): (float(sims[i]) - floor) / (top - floor) for i in best if sims[i] > floor}


def _best(scores: dict[int, float], k: int = 50) -> dict[int, float]:
    return dict(heapq.nlargest(k, scores.items(), key=lambda kv: kv[1])) if len(scores) > k else scores


def _countries_named(text: str, prof: Profile) -> set[str]:
    lowered = f" {' '.join(WORD.findall(text.lower()))} "
    return {code for word, code in prof.country_words.items() if f" {word} " in lowered}


# A concept matched by only part of each of its labels counts this much at least: one
# common word ("high" of "high-performance computing") does not make a match (review R4).
PARTIAL_LABEL_FLOOR = 0.35


def concept_matches(question: Question, prof: Profile, query_vector: Any = None) -> dict[int, float]:
    """Concept index → relevance in [0, 1] (keyword and, if available, meaning)."""
    query = question.terms()
    keyword = _normalised(prof.concept_index.scores(query))
    if prof.label_terms:
        asked = set(query)
        for i, score in keyword.items():
            best = max((len(label & asked) / len(label) for label in prof.label_terms[i]), default=1.0)
            keyword[i] = score * (PARTIAL_LABEL_FLOOR + (1 - PARTIAL_LABEL_FLOOR) * best)
    meaning = _semantic_scores(prof.concept_vectors, query_vector, 0.25)
    found = {i: max(keyword.get(i, 0.0), 0.9 * meaning.get(i, 0.0)) for i in set(keyword) | set(meaning)}
    if question.stage:
        stage_ids = {c.pk for c in prof.concepts if c.notation == question.stage}
        for i, c in enumerate(prof.concepts):
            if i in found and (c.pk in stage_ids or prof.concept_parent.get(c.pk) in stage_ids):
                found[i] *= 1.3
    return {i: s for i, s in found.items() if s >= 0.15}


@dataclass
class Evidence:
    """What one question tells about every centre, gathered once before the centres are
    scored: how relevant each competence is, how well each centre's profile text matches,
    and how similar solved questions voted."""

    question: Question
    query: list[str]
    concept_rel: dict[int, float]  # competence pk -> relevance to the question
    text_rel: dict[int, float]  # centre index -> profile relevance
    votes: dict[int, float]  # centre id -> votes of similar solved questions
    solved: Counter[int]  # centre id -> similar questions it solved
    away: Counter[int]  # centre id -> similar questions transferred away from it
    countries: set[str]  # countries the question is from or names
    language: str
    load: dict[int, int]  # centre id -> open tickets
    services_named: dict[int, str] = field(default_factory=dict)  # service id -> name in the text
    centres_named: set[int] = field(default_factory=set)  # centre ids whose acronym the text names


def route(question: Question, limit: int = 5, open_load: dict[int, int] | None = None) -> list[Candidate]:
    """The centres best placed to answer, best first (only those with some evidence and
    someone to answer)."""
    prof = profile()
    if not prof.centres:
        return []
    ev = _evidence(prof, question, open_load)
    candidates = [c for ci in sorted(_considered(prof, ev)) if (c := _candidate(prof, ev, ci)) is not None]
    candidates = [c for c in candidates if c.accepts]
    candidates.sort(key=lambda c: (-c.score, c.acronym))
    return candidates[:limit]


def _evidence(prof: Profile, question: Question, open_load: dict[int, int] | None) -> Evidence:
    query = question.terms()
    query_vector = search.embed([question.text])[0] if search.semantic_available() else None
    matches = concept_matches(question, prof, query_vector)
    votes, solved, away = _experience_votes(prof, query, query_vector)
    return Evidence(
        question=question,
        query=query,
        concept_rel={prof.concepts[i].pk: rel for i, rel in matches.items()},
        text_rel=_profile_relevance(prof, query, query_vector),
        votes=votes,
        solved=solved,
        away=away,
        countries=({question.country.upper()} if question.country else set())
        | _countries_named(question.text, prof),
        language=(question.language or question.analysed_language or "").lower(),
        load=open_load if open_load is not None else current_load(),
        services_named={pk: name for pattern, pk, name in prof.service_names
                        if pattern.search(f"{question.subject}\n{question.body}")},
        centres_named=_centres_named(f"{question.subject}\n{question.body}", prof),
    )


# A profile match counts fully when the question's words cover a third of the profile's
# (coverage times 3, at most 1); a semantic match of the profile is worth this share of a
# word match.
PROFILE_COVERAGE_FACTOR = 3
SEMANTIC_PROFILE_SHARE = 0.8
SEMANTIC_PROFILE_FLOOR = 0.2


def _profile_relevance(prof: Profile, query: list[str], query_vector: Any) -> dict[int, float]:
    """Centre index -> how well its profile (description, services) matches the question."""
    relevance = {
        i: s * min(1.0, PROFILE_COVERAGE_FACTOR * prof.centre_index.coverage(query, prof.centre_bags[i]))
        for i, s in _best(_normalised(prof.centre_index.scores(query))).items()
    }
    for i, s in _semantic_scores(prof.centre_vectors, query_vector, SEMANTIC_PROFILE_FLOOR).items():
        relevance[i] = max(relevance.get(i, 0.0), SEMANTIC_PROFILE_SHARE * s)
    return relevance


# Solved questions vote for the centre that solved them when they are this similar; a centre
# a similar question was transferred away from loses this share of the vote.
NEIGHBOUR_FLOOR = 0.35
SEMANTIC_NEIGHBOUR_FLOOR = 0.45
TRANSFERRED_AWAY_SHARE = 0.7


def _experience_votes(
    prof: Profile, query: list[str], query_vector: Any
) -> tuple[dict[int, float], Counter[int], Counter[int]]:
    """Votes of the most similar solved questions: (centre id -> votes, solved, transferred away)."""
    votes: dict[int, float] = defaultdict(float)
    solved: Counter[int] = Counter()
    away: Counter[int] = Counter()
    neighbours = {
        i: prof.experience_index.coverage(query, prof.experience_bags[i])
        for i in _best(prof.experience_index.scores(query))
    }
    for i, s in _semantic_scores(prof.experience_vectors, query_vector, SEMANTIC_NEIGHBOUR_FLOOR).items():
        neighbours[i] = max(neighbours.get(i, 0.0), s)
    for i, s in sorted(neighbours.items(), key=lambda kv: -kv[1])[:NEIGHBOURS]:
        if s < NEIGHBOUR_FLOOR:
            break
        centre_id, moved_from, weight = prof.experience[i]
        votes[centre_id] += s * weight
        if weight > 0:
            solved[centre_id] += 1
        for other in moved_from:
            votes[other] -= TRANSFERRED_AWAY_SHARE * s
            away[other] += 1
    return votes, solved, away


def _considered(prof: Profile, ev: Evidence) -> set[int]:
    """The centres with any evidence: a matching profile, an offered competence (or one
    below it), a vote, or the service asked about."""
    considered: set[int] = set(ev.text_rel)
    for competence_id in ev.concept_rel:
        considered.update(prof.offered_by.get(competence_id, []))
        for child in prof.children.get(competence_id, []):
            considered.update(prof.offered_by.get(child, []))
    considered.update(prof.index_of[c] for c in ev.votes if c in prof.index_of)
    service_id = ev.question.service_id
    if service_id:
        considered.update(ci for ci, cp in enumerate(prof.centres) if service_id in cp.services)
    if ev.services_named:
        considered.update(ci for ci, cp in enumerate(prof.centres) if cp.services & set(ev.services_named))
    return considered


# A competence offered counts this much when only the one above it is asked about; the
# second to fourth matching competences add this share of theirs.
PARENT_SHARE = 0.5
FURTHER_TOPICS_SHARE = 0.3
FURTHER_TOPICS = 3


def _topic(prof: Profile, centre: CentreProfile, ev: Evidence) -> tuple[float, list[tuple[float, str]]]:
    """How well the competences a centre offers (at their levels) match the question, and
    the matches, best first, as (weight, reason)."""
    contributions: list[tuple[float, str]] = []
    for competence_id, level in centre.offers.items():
        rel = ev.concept_rel.get(competence_id, 0.0)
        parent = prof.concept_parent.get(competence_id)
        if parent is not None:
            rel = max(rel, PARENT_SHARE * ev.concept_rel.get(parent, 0.0))
        if rel > 0:
            concept = prof.concept_by_pk[competence_id]
            contributions.append(
                (rel * LEVEL_WEIGHT[level], f"{LEVEL_PHRASE[level]} {concept.pref_label.lower()}")
            )
    contributions.sort(key=lambda x: -x[0])
    if not contributions:
        return 0.0, []
    further = sum(x[0] for x in contributions[1 : 1 + FURTHER_TOPICS])
    return contributions[0][0] + FURTHER_TOPICS_SHARE * further, contributions


# What each kind of evidence weighs against the competences' match (1), the least evidence
# that makes a candidate, and when a reason is worth telling.
PROFILE_WEIGHT = 0.5
EXPERIENCE_WEIGHT = 0.6
MIN_EVIDENCE = 0.05
TOPIC_REASON_FLOOR = 0.2
PROFILE_REASON_FLOOR = 0.25
# Each open ticket lowers a score by this share; from this many a centre is called busy.
LOAD_PENALTY = 0.004
BUSY_FROM = 25


def _candidate(prof: Profile, ev: Evidence, ci: int) -> Candidate | None:
    """One centre scored, with the reasons a person can read; None without enough evidence."""
    centre = prof.centres[ci]
    topic, contributions = _topic(prof, centre, ev)
    profile_score = PROFILE_WEIGHT * ev.text_rel.get(ci, 0.0)
    experience = EXPERIENCE_WEIGHT * ev.votes.get(centre.centre_id, 0.0)
    base = topic + profile_score + experience
    names_service = bool(centre.services & set(ev.services_named))
    named_in_text = centre.centre_id in ev.centres_named
    if base <= MIN_EVIDENCE and not names_service and not named_in_text:
        return None
    reasons = [text for weight, text in contributions[:3] if weight >= TOPIC_REASON_FLOOR]
    if profile_score >= PROFILE_REASON_FLOOR:
        hits = prof.centre_index.matched(ev.query, prof.centre_bags[ci])[:3]
        if hits:
            reasons.append("its profile and services mention " + ", ".join(f"“{h}”" for h in hits))
    reasons.extend(_experience_reasons(ev, centre.centre_id))
    fit, fit_reasons = _fit(centre, ev)
    reasons.extend(fit_reasons)
    bonus = 0.0
    if ev.question.service_id and ev.question.service_id in centre.services:
        bonus = SERVICE_BONUS
        reasons.append("provides the service you asked about")
    else:
        services = sorted(ev.services_named[s] for s in centre.services & set(ev.services_named))
        if services:
            bonus = SERVICE_NAMED_BONUS
            reasons.append(f"provides {', '.join(services)}, which the question names")
    if centre.centre_id in ev.centres_named:
        bonus += CENTRE_NAMED_BONUS
        reasons.append("the question names it")
    open_now = ev.load.get(centre.centre_id, 0)
    if open_now >= BUSY_FROM:
        reasons.append(f"busy: {open_now} open tickets")
    return Candidate(
        centre_id=centre.centre_id,
        acronym=centre.acronym,
        name=centre.name,
        url=centre.url,
        score=(base * fit + bonus) / (1 + LOAD_PENALTY * open_now),
        reasons=reasons or ["its profile matches some words of the question"],
        accepts=centre.accepts,
        staffed=centre.staffed,
    )


def _experience_reasons(ev: Evidence, centre_id: int) -> list[str]:
    reasons = []
    if ev.solved.get(centre_id) and ev.votes[centre_id] > 0:
        n = ev.solved[centre_id]
        reasons.append(f"solved {n} similar question{'s' if n != 1 else ''} before")
    if ev.away.get(centre_id):
        n = ev.away[centre_id]
        reasons.append(f"{n} similar question{'s were' if n != 1 else ' was'} transferred away from it")
    return reasons


def _fit(centre: CentreProfile, ev: Evidence) -> tuple[float, list[str]]:
    """A factor for serving the question's country and answering in its language."""
    fit, reasons = 1.0, []
    served = ev.countries & set(centre.countries)
    if served:
        fit += COUNTRY_BOOST
        reasons.append("serves " + ", ".join(sorted(country_name(c) for c in served)))
    if ev.language and ev.language != "en" and ev.language in centre.languages:
        fit += LANGUAGE_BOOST
        reasons.append(f"answers in {language_name(ev.language)}")
    return fit, reasons


_load: dict[str, Any] = {}


def current_load() -> dict[int, int]:
    """Open tickets per centre (cached like the profile)."""
    from cchub.support.models import OPEN_STATES, Ticket

    now = time.monotonic()
    if _load and _load["generation"] == _generation[0] and now - _load["at"] < STAMP_TTL:
        return dict(_load["counts"])
    rows = (
        Ticket.objects.filter(state__in=OPEN_STATES, centre__isnull=False)
        .values("centre_id")
        .annotate(n=Count("pk"))
    )
    counts = {r["centre_id"]: r["n"] for r in rows}
    _load.update(at=now, generation=_generation[0], counts=counts)
    return counts


def confident(candidates: list[Candidate]) -> bool:
    """Is the best candidate clearly the one? Then the ticket goes straight to it."""
    if not candidates or candidates[0].score < AUTO_MIN_SCORE:
        return False
    if len(candidates) == 1:
        return True
    return candidates[0].score >= AUTO_MIN_MARGIN * candidates[1].score
