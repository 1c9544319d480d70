"""The error types the library raises for bad input, and the exit codes the CLI maps them to.

Each error carries what a person needs to act: the file, the line and column when known, the
offending term, and what was expected. The CLI prints `str(error)`; it never shows a traceback
for these.
"""
from __future__ import annotations

from pathlib import Path

#: exit codes shared by every command (documented in the README)
EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3


def format_location(file: str | None, line: int | None = None, column: int | None = None) -> str:
    """``file:line:column`` as compilers print it (empty without a file)."""
    if not file:
        return ""
    where = str(file)
    if line is not None and line >= 1:
        where += f":{line}"
        if column is not None and column >= 1:  # a column a parser got wrong is left out, never printed as 0 or less
            where += f":{column}"
    return where


class EcoKGError(Exception):
    """Base class: a problem a person can fix."""

    exit_code = EXIT_INPUT

    def __init__(self, message: str, *, file: str | Path | None = None, line: int | None = None,
                 column: int | None = None, term: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.term = term
        self.hint = hint

    def location(self) -> str:
        return format_location(self.file, self.line, self.column)

    def __reduce__(self):
        # an error raised in a sandboxed child reaches the parent with its file, line and hint intact
        return (_rebuild, (type(self), self.args, self.__dict__.copy()))

    def __str__(self) -> str:
        parts = []
        loc = self.location()
        parts.append(f"{loc}: {self.message}" if loc else self.message)
        if self.term:
            parts.append(f"  term: {self.term}")
        if self.hint:
            parts.append(f"  fix: {self.hint}")
        return "\n".join(parts)


def _rebuild(cls, args, state):
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class SeedParseError(EcoKGError):
    """A seed, ontology or query file that cannot be parsed."""


class EvidenceError(EcoKGError):
    """A quote that is not in its source, occurs more than once, or a source that does not match its digest."""


class BuildError(EcoKGError):
    """The seeds are readable but do not make a dataset (missing source, unknown source file …)."""


class QueryError(EcoKGError):
    """A named query that does not exist, or a query that does not parse."""


class ValidationFailure(EcoKGError):
    """Data that parses but breaks a rule (SHACL, OWL, evidence)."""

    exit_code = EXIT_VIOLATIONS


class LinkError(EcoKGError):
    """A Wikidata link that is malformed, unconfirmed or cannot be fetched."""


class SettingsError(EcoKGError):
    """A setting that cannot be used: an ``ECOKG_*`` variable that is not a number, or a limit below one."""


class StoreError(EcoKGError):
    """A store backend that cannot be opened or answer."""


class UnsupportedTerm(StoreError):
    """A term rdflib cannot hold (an RDF 1.2 quoted triple, a literal with a base direction) in data to be kept."""


class ProjectError(EcoKGError):
    """A researcher's project that cannot be used: an unreadable ecokg.toml, a bad namespace, a source
    registration with a bad date, licence, language or holder."""


class ExtractionError(EcoKGError):
    """A source that claims cannot be drafted from: not registered, its text unreadable, nothing curated to compare."""


class SigningKeyError(EcoKGError):
    """A key given to sign nanopublications that cannot be used: unreadable, not PEM, not RSA, or protected by a
    passphrase."""
