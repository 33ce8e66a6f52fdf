"""Labels of a concept scheme in the network's main languages, shipped beside the scheme
(``data/<scheme>.labels.json``): notation -> language -> labels. The router reads them as
synonyms, so that a question in any of these languages meets the same concepts."""

from __future__ import annotations

import functools
import json

from cchub.vocab.loading import DATA_DIR


@functools.cache
def labels(scheme: str) -> dict[str, dict[str, list[str]]]:
    path = DATA_DIR / f"{scheme}.labels.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: {lang: list(v) for lang, v in langs.items()} for k, langs in data["labels"].items()}
