"""The eossr library, offline.

eossr (the ESCAPE OSSR library) holds the OSSR's CodeMeta crosswalk and its conversion
to Zenodo metadata; the hub uses both. At run time eossr would download Zenodo's deposit
schema, Zenodo's licence list, the SPDX licence list and Zenodo's communities; here every
one of those comes from data shipped with the hub, and eossr's modules are given a
``requests`` that refuses to go on the network, so a check never leaves the machine.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import warnings
from importlib import resources
from importlib.metadata import version
from typing import Any

from cchub.onboarding import licences

CHECKER = "cchub-ossr/1"


class Offline(RuntimeError):
    pass


class _NoNetwork:
    """Stands in for ``requests`` inside eossr."""

    class exceptions:  # noqa: N801 — mirrors requests.exceptions
        HTTPError = Offline
        RequestException = Offline

    packages = None

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise Offline(f"eossr tried to reach {args[0] if args else 'the network'}; the hub works offline")

    get = post = put = delete = head = request = _refuse


def eossr_version() -> str:
    try:
        return version("eossr")
    except Exception:  # pragma: no cover - eossr is a dependency
        return "absent"


def checker_version() -> str:
    return f"{CHECKER} (eossr {eossr_version()})"


def _communities(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return []


@functools.cache
def deposit_schema() -> dict[str, Any]:
    with open(licences.DATA / "zenodo-deposit.schema.json", encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@functools.cache
def eossr() -> Any:
    """eossr's modules, patched to work from the hub's shipped data (imported once)."""
    import eossr.metadata.codemeta as codemeta

    # eossr reads its crosswalk with importlib.resources.files(<a module>), which only
    # Python 3.12 accepts; on 3.11 it raises TypeError. Give it the module's package.
    codemeta.files = lambda name: resources.files(name.rpartition(".")[0])  # type: ignore[attr-defined]
    import eossr.metadata.codemeta2zenodo.converters as converters
    import eossr.metadata.codemeta2zenodo.core as core
    import eossr.metadata.zenodo as zenodo
    import eossr.utils as utils

    offline = _NoNetwork()
    for module in (codemeta, zenodo, utils):
        module.requests = offline  # type: ignore[attr-defined]
    open_ids = [lic.id for lic in licences.spdx_ids().values() if lic.osi_approved]
    converters.search_licenses = lambda *a, **k: licences.invenio_licences()  # type: ignore[attr-defined]
    converters.search_communities = _communities  # type: ignore[attr-defined]
    converters.spdx_licenses = lambda open_only=True: open_ids if open_only else []  # type: ignore[attr-defined]
    zenodo._zenodo_deposit_schema = deposit_schema()  # type: ignore[attr-defined]
    zenodo._zenodo_valid_licenses = [lic["id"] for lic in licences.invenio_licences()]  # type: ignore[attr-defined]
    return type("Eossr", (), {"codemeta": codemeta, "core": core, "zenodo": zenodo})


def crosswalk(codemeta_version: str) -> dict[str, dict[str, str]]:
    """The OSSR crosswalk for a CodeMeta version: property → its row (Type, Zenodo,
    OSSR Requirement Level, Help)."""
    table = eossr().codemeta.codemeta_crosswalk(codemeta_version)
    rows: dict[str, dict[str, str]] = {}
    for record in table.to_dict("records"):
        name = str(record.get("Property") or "")
        if name and name not in rows:
            rows[name] = {key: str(value) for key, value in record.items()}
    return rows


def version_from_context(context: Any) -> str:
    """The CodeMeta version a ``@context`` names; ValueError when none or several."""
    return str(eossr().codemeta.codemeta_version_from_context(context))


def to_zenodo(document: dict[str, Any]) -> tuple[dict[str, Any] | None, list[str], str]:
    """eossr's conversion of a CodeMeta document: (Zenodo metadata or None, eossr's
    warnings, the error that stopped it or "")."""
    module = eossr()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        try:
            result = module.core.codemeta2zenodo(document)
        except Exception as exc:  # eossr raises many kinds; each becomes a report line
            return None, [str(w.message) for w in caught], _reason(exc)
    return result, [str(w.message) for w in caught], ""


def validate_zenodo(metadata: dict[str, Any]) -> tuple[list[str], str]:
    """eossr's validation of Zenodo deposit metadata: (warnings, error or "")."""
    module = eossr()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("always")
        try:
            module.zenodo.validate_zenodo_metadata_deposit(metadata)
        except Exception as exc:
            return [str(w.message) for w in caught], _reason(exc)
    return [str(w.message) for w in caught], ""


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().strip('"') or exc.__class__.__name__
    cause = exc.__cause__
    if cause is not None and str(cause) and str(cause) not in text:
        text += f" ({cause})"
    return text[:500]
