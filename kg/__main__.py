"""`python -m kg` is the `ecokg` command."""
from .cli import entry_point

entry_point()
