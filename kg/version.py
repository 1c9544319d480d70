"""The release this tree is, written once: the package (`kg.__version__`) and the User-Agent of every request
sent out (`kg.http`) read it here. A release sets it with the other places ontology/versions/README.md lists."""

__version__ = "1.2.0.dev0"
