"""How the apps are put together: ``connect.py`` says what happens after a write."""
