"""How the apps are put together: the one place that says what happens after a write.

Each app keeps its own pieces — what the write path accepts (``registry/specs.py``), how
its records look in the search (``<app>/search.py``) and in OAI-PMH
(``interop/kinds/<app>.py``), its periodic tasks (``<app>/tasks.py``). This module plugs
them in, and connects the views derived from the records to the changes they follow:

- every save, delete or link change of a record re-indexes the search documents it
  touches and re-publishes its OAI-PMH items, inside the writer's transaction
  (``records.derived``; once per record inside ``records.watch.batch()``);
- a change of a concept or a glossary term drops the cached search synonyms;
- a change of a harvest source re-publishes its records (their re-export setting);
- a change of what the router learns from (centres, offers, services, concepts, desks,
  tickets) makes the router rebuild its profile on next use.

``connect()`` runs once, from ``WiringConfig.ready``, after every app is loaded.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from cchub import search
from cchub.glossary import search as glossary_search
from cchub.glossary.models import Term
from cchub.interop import publish
from cchub.interop.kinds import glossary as glossary_kinds
from cchub.interop.kinds import registry as registry_kinds
from cchub.interop.kinds import training as training_kinds
from cchub.interop.models import Source
from cchub.lib.schedule import every
from cchub.records import watch, writes
from cchub.registry import search as registry_search
from cchub.registry import specs as registry_specs
from cchub.registry.models import Centre, CompetenceOffer, Service
from cchub.support import routing
from cchub.support import search as support_search
from cchub.support.models import Desk, Supporter, Ticket, TicketEvent
from cchub.training import search as training_search
from cchub.vocab.models import Concept

_connected: list[bool] = []


def connect() -> None:
    if _connected:
        return
    _connected.append(True)
    writes.register(registry_specs.SPECS)
    for register_types in (registry_search.register_types, glossary_search.register_types,
                           training_search.register_types, support_search.register_types):
        register_types()
    search.add_synonym_source(glossary_search.label_sets)
    for register_kinds in (registry_kinds.register_kinds, glossary_kinds.register_kinds,
                           training_kinds.register_kinds):
        register_kinds()
    follow_changes()
    schedule()


def follow_changes() -> None:
    """What happens after a write (see the module's docstring)."""
    watch.follow(search.watched_models(), search.refresh_for, "search")
    watch.follow([Concept, Term], _forget_synonyms, "search-synonyms")
    watch.follow(publish.watched_models(), publish.refresh_for, "interop")
    watch.follow([Source], _source_changed, "interop-sources")
    watch.follow([Centre, CompetenceOffer, Service, Concept, Desk, Supporter, Ticket, TicketEvent],
                 _routing_changed, "routing")


def schedule() -> None:
    """The periodic tasks ``cchub worker`` enqueues (each idempotent)."""
    every(300, "cchub.support.tasks.support_round")  # SLA warnings and auto-close
    every(86400, "cchub.support.tasks.monthly_report")  # the helpdesk report, on its day
    every(300, "cchub.support.bridges.bridge_round")  # hand-overs to other helpdesks, read back
    every(3600, "cchub.training.tasks.ingest_due_sources")  # training sources that are due
    every(600, "cchub.interop.tasks.harvest_due_sources")  # federation sources that are due
    # Runs whose worker died are marked failed (cchub.lib.jobs).
    every(60, "cchub.interop.tasks.reap_stale_harvests")
    every(60, "cchub.registry.tasks.reap_stale_imports")


def _forget_synonyms(instance: models.Model, deleted: bool) -> None:
    search.forget_synonyms()


def _source_changed(instance: Any, deleted: bool) -> None:
    if not deleted:
        publish.source_changed(instance)


def _routing_changed(instance: models.Model, deleted: bool) -> None:
    routing.changed()
