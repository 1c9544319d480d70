"""Trusty URIs and RSA signatures of nanopublications, computed offline from their quads alone.

Owns the RA module of the trusty URI specification (normalised quads, SHA-256, base64url, ``RA``), the
signature nanopub-java and nanopub-py write (npx:hasSignature over the normalised quads, RSA with SHA-256)
and reading the signer's private key. What a nanopublication holds is `kg.export`'s.
"""
from __future__ import annotations

import base64
import hashlib
from functools import cmp_to_key
from pathlib import Path

from rdflib import BNode, Literal, Namespace, URIRef

from .errors import SigningKeyError

NPX = Namespace("http://purl.org/nanopub/x/")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: a nanopublication's parts under its IRI: ``<np>#Head`` … and the signature node ``<np>#sig``
SIGNATURE_PART = "sig"


def _normal_iri(iri: str, provisional: str, prefix: str) -> str:
    """The IRI as the artefact code sees it: the nanopublication's own IRI (and every IRI under it) has
    a space where the code will stand, so the code never hashes itself."""
    if iri == provisional:
        return prefix + " "
    if iri.startswith(provisional + "#"):
        return prefix + " #" + iri[len(provisional) + 1:]
    return iri


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _literal_keys(literal: Literal) -> tuple:
    # the comparison nanopub-java defines: lexical form, then datatype (none for a language-tagged literal,
    # which comes first), then language
    datatype = None if literal.language else str(literal.datatype or XSD_STRING)
    return (str(literal).encode("utf-8"), datatype is not None, (datatype or "").encode("utf-8"),
            literal.language is not None, (literal.language or "").encode("utf-8"))


def _compare(first: tuple, second: tuple) -> int:
    for a, b in zip(first, second):
        if isinstance(a, Literal) != isinstance(b, Literal):  # IRIs before literals
            return 1 if isinstance(a, Literal) else -1
        key_a = _literal_keys(a) if isinstance(a, Literal) else (a.encode("utf-8"),)
        key_b = _literal_keys(b) if isinstance(b, Literal) else (b.encode("utf-8"),)
        if key_a != key_b:
            return -1 if key_a < key_b else 1
    return 0


def normal_form(quads, provisional: str, prefix: str) -> str:
    """The text the artefact code and the signature are computed over: each quad, sorted, as four lines
    (graph, subject, predicate, object), the nanopublication's IRI normalised, duplicates once."""
    rows = []
    for s, p, o, g in quads:
        if any(isinstance(term, BNode) for term in (s, p, o, g)):
            raise ValueError("a nanopublication to be made trusty holds no blank nodes; skolemise them first")
        rows.append(tuple(_normal_iri(str(term), provisional, prefix) if not isinstance(term, Literal) else term
                          for term in (g, s, p, o)))
    lines, previous = [], None
    for row in sorted(rows, key=cmp_to_key(_compare)):
        text = "".join(f"@{term.language.lower()} {_escape(term)}\n" if isinstance(term, Literal) and term.language
                       else f"^{term.datatype or XSD_STRING} {_escape(term)}\n" if isinstance(term, Literal)
                       else f"{term}\n" for term in row)
        if text != previous:
            lines.append(text)
        previous = text
    return "".join(lines)


def artefact_code(quads, provisional: str, prefix: str) -> str:
    """``RA`` and the base64url SHA-256 of the normal form: the last segment of the trusty URI."""
    digest = hashlib.sha256(normal_form(quads, provisional, prefix).encode("utf-8")).digest()
    return "RA" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def renamed(quads, provisional: str, final: str) -> list[tuple]:
    """The quads with the provisional IRI (and the IRIs under it) replaced by the trusty one."""
    def rename(term):
        if isinstance(term, URIRef) and (str(term) == provisional or str(term).startswith(provisional + "#")):
            return URIRef(final + str(term)[len(provisional):])
        return term
    return [tuple(rename(term) for term in quad) for quad in quads]


def make_trusty(quads, provisional: str, prefix: str) -> tuple[str, list[tuple]]:
    """The trusty IRI ``prefix + RA…`` of the nanopublication ``provisional`` and its quads under that IRI."""
    final = prefix + artefact_code(quads, provisional, prefix)
    return final, renamed(quads, provisional, final)


def load_private_key(path: Path):
    """The RSA private key in ``path`` (PEM, PKCS#1 or PKCS#8, unencrypted)."""
    try:
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives.serialization import load_pem_private_key
    except ImportError:
        raise SigningKeyError("signing needs the cryptography package", file=path,
                              hint="pip install 'eco-kg[sign]'") from None
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SigningKeyError(f"cannot read the signing key: {error.strerror or error}", file=path,
                              hint="give the path of an RSA private key in PEM") from None
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        raise SigningKeyError("the signing key is protected by a passphrase", file=path,
                              hint="openssl pkey -in KEY -out plain.pem writes it without one") from None
    except (ValueError, UnsupportedAlgorithm):
        raise SigningKeyError("not an RSA private key in PEM", file=path,
                              hint="openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem "
                                   "makes one") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SigningKeyError(f"the signing key is not RSA ({type(key).__name__})", file=path,
                              hint="nanopublications are signed with RSA: "
                                   "openssl genpkey -algorithm RSA -out key.pem") from None
    return key


def public_key_text(key) -> str:
    """The public half as nanopublications give it: base64 of its DER SubjectPublicKeyInfo, no PEM lines."""
    from cryptography.hazmat.primitives import serialization

    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def sign(quads, provisional: str, prefix: str, pubinfo: URIRef, key) -> list[tuple]:
    """The quads with the signature node in the publication info: its public key, algorithm and target, and
    the RSA (PKCS#1 v1.5, SHA-256) signature of the normal form of everything else."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    node = URIRef(f"{provisional}#{SIGNATURE_PART}")
    signed = list(quads) + [(node, NPX.hasPublicKey, Literal(public_key_text(key)), pubinfo),
                            (node, NPX.hasAlgorithm, Literal("RSA"), pubinfo),
                            (node, NPX.hasSignatureTarget, URIRef(provisional), pubinfo)]
    text = normal_form(signed, provisional, prefix).encode("utf-8")
    signature = key.sign(text, padding.PKCS1v15(), hashes.SHA256())
    return signed + [(node, NPX.hasSignature, Literal(base64.b64encode(signature).decode("ascii")), pubinfo)]
