"""CC Hub: the hub of the network of Open Science Competence Centres."""

__version__ = "0.1.0"
