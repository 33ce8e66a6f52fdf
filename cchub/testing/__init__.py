"""Testing the hub: this package is the pytest plugin loaded early (``-p cchub.testing``), which
sets the test settings before Django starts; ``helpers`` and ``factories`` build what tests
need (import them inside tests: they need Django set up)."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("CCHUB_TASKS_INLINE", "1")
os.environ.setdefault("CCHUB_DATA_DIR", tempfile.mkdtemp(prefix="cchub-test-"))
os.environ.setdefault("CCHUB_MODE", "development")
# Test clients sign in without a request (Client.login); the throttle's own tests turn it on.
os.environ.setdefault("CCHUB_LOGIN_THROTTLE", "0")
os.environ.setdefault("CCHUB_RATE_LIMITS", "0")
# Keyword search is the contract most tests check; tests of hybrid search turn this on.
os.environ.setdefault("CCHUB_SEMANTIC", "0")
