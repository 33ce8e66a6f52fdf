"""Render a page of the hub as a signed-in user, for screenshots of staff views.

    CCHUB_DATA_DIR=... python docs/render_as.py USERNAME PATH BASE_URL > page.html

The HTML gets a <base href> so that a browser opening the file loads styles from BASE_URL.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cchub.settings")
import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

username, path, base = sys.argv[1:4]
client = Client()
client.force_login(get_user_model().objects.get(username=username))
html = client.get(path).content.decode()
print(html.replace("<head>", f'<head><base href="{base.rstrip("/")}/">', 1))
