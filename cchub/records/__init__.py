"""The record layer below every domain app: the one write path (``writes``), the API's
CRUD factory (``crud``), and the machinery that keeps derived views in step with the
records (``watch``, ``derived``)."""
