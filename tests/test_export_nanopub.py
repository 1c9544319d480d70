"""`ecokg export --nanopub`: one nanopublication per claim, with its head, assertion, provenance (the
words, by Web Annotation selectors) and publication info, each claim citable on its own."""
from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from nanopub import Nanopub, Profile
from nanopub.sign_utils import add_signature
from nanopub.trustyuri.rdf import RdfHasher, RdfUtils
from nanopub.utils import MalformedNanopubError
from rdflib import ConjunctiveGraph, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from kg.export import NP, NPX, claim_nanopublications, nanopub_iri, write_nanopublications
from kg.namespaces import CLAIM, ECO, OA
from kg.errors import SigningKeyError
from kg.trusty import load_private_key

CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")

ECOKG = str(Path(sys.executable).parent / "ecokg")
CLAIM_IRI = CLAIM["gas-pipeline-under-discussion"]


@pytest.fixture(scope="module")
def nanopubs(dataset):
    return dict(claim_nanopublications(dataset))


def test_one_nanopublication_per_claim(nanopubs):
    assert len(nanopubs) == 51


def test_the_head_names_the_three_graphs(nanopubs):
    nanopub = nanopubs[CLAIM_IRI]
    base = nanopub_iri(nanopub)
    head = nanopub.graph(URIRef(f"{base}#Head"))
    assert (base, RDF.type, NP.Nanopublication) in head
    for part, prop in (("assertion", NP.hasAssertion), ("provenance", NP.hasProvenance),
                       ("pubinfo", NP.hasPublicationInfo)):
        assert (base, prop, URIRef(f"{base}#{part}")) in head
        assert len(nanopub.graph(URIRef(f"{base}#{part}"))) > 0


def test_the_assertion_is_the_claim_and_the_provenance_its_words(nanopubs):
    nanopub = nanopubs[CLAIM_IRI]
    base = str(nanopub_iri(nanopub))
    assertion = nanopub.graph(URIRef(base + "#assertion"))
    provenance = nanopub.graph(URIRef(base + "#provenance"))
    assert (CLAIM_IRI, RDF.type, ECO.Assessment) in assertion
    assert not list(assertion.triples((CLAIM_IRI, ECO.hasEvidence, None)))
    exact = {str(o) for o in provenance.objects(None, OA.exact)}
    assert exact == {"there is long-standing discussion around gas pipeline options"}
    pubinfo = nanopub.graph(URIRef(base + "#pubinfo"))
    assert (URIRef(base), NPX.introduces, CLAIM_IRI) in pubinfo


@pytest.mark.slow
def test_the_file_parses_back_as_trig(dataset, tmp_path):
    output = tmp_path / "nanopubs.trig"
    assert write_nanopublications(dataset, output) == 51
    parsed = Dataset()
    parsed.parse(output, format="trig")
    heads = {(s, g) for s, _p, _o, g in parsed.quads((None, RDF.type, NP.Nanopublication, None))}
    assert len(heads) == 51 and all(str(g).endswith("#Head") for _s, g in heads)


@pytest.mark.slow
def test_the_command_writes_the_file_and_says_so(settings, built, tmp_path):
    output = tmp_path / "out.trig"
    completed = subprocess.run([ECOKG, "export", "--nanopub", "--output", str(output)], capture_output=True,
                               text=True, timeout=300, env={"ECOKG_BUILD_DIR": str(settings.build_dir),
                                                            "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"wrote 51 nanopublications to {output}"


@pytest.mark.slow
@pytest.mark.parametrize("args, message", [(["export"], "--nanopub"),
                                           (["export", "--nanopub", "-o", "/proc/forbidden/x.trig"], "cannot write")])
def test_bad_use_is_exit_2_with_a_message(settings, args, message):
    completed = subprocess.run([ECOKG, *args], capture_output=True, text=True, timeout=300,
                               env={"ECOKG_BUILD_DIR": str(settings.build_dir), "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 2
    assert message in completed.stderr and "Traceback" not in completed.stderr


# ------------------------------------------------------------------ trusty URIs, dates, licence, signatures

TRUSTY = re.compile(r"https://w3id\.org/eco-kg/np/RA[A-Za-z0-9_-]{43}")


def trig_of(nanopub) -> str:
    return nanopub.serialize(format="trig")


def nanopub_py(text: str):
    """The nanopublication as nanopub-py reads it from TriG (offline: from text, not from a server)."""
    graph = ConjunctiveGraph()
    graph.parse(data=text, format="trig")
    return Nanopub(rdf=graph)


@pytest.fixture(scope="module")
def key_file(tmp_path_factory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("key") / "signer.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


@pytest.fixture(scope="module")
def signed(dataset, key_file):
    return dict(claim_nanopublications(dataset, key=load_private_key(key_file)))


@pytest.fixture(scope="module")
def read_back(nanopubs):
    """{claim: its nanopublication written as TriG and read by nanopub-py}: reading all 51 takes a second or
    more, and the tests below only look at what was read."""
    return {claim: nanopub_py(trig_of(nanopub)) for claim, nanopub in nanopubs.items()}


@pytest.mark.slow  # walks all 51 through nanopub-py
def test_every_nanopublication_has_a_trusty_uri_that_nanopub_py_accepts(nanopubs, read_back):
    for claim, nanopub in nanopubs.items():
        iri = str(nanopub_iri(nanopub))
        assert TRUSTY.fullmatch(iri), iri
        read = read_back[claim]
        assert str(read.source_uri) == iri and read.is_valid and read.has_valid_trusty


@pytest.mark.slow  # walks all 51 through nanopub-py
def test_the_artefact_code_is_nanopub_py_s_for_every_nanopublication(nanopubs, read_back):
    for claim, nanopub in nanopubs.items():
        iri = str(nanopub_iri(nanopub))
        quads = RdfUtils.get_quads(read_back[claim].rdf)
        assert RdfHasher.make_hash(quads, baseuri=iri + "#", hashstr=" ") == iri.rsplit("/", 1)[1]


def test_a_changed_word_breaks_the_trusty_uri(nanopubs):
    text = trig_of(nanopubs[CLAIM_IRI]).replace("gas pipeline options", "gas pipeline plans")
    with pytest.raises(MalformedNanopubError, match="not valid"):
        assert nanopub_py(text).has_valid_trusty


def test_the_same_graph_gives_the_same_iris(dataset, nanopubs):
    again = dict(claim_nanopublications(dataset))
    assert {c: nanopub_iri(n) for c, n in again.items()} == {c: nanopub_iri(n) for c, n in nanopubs.items()}


def test_created_is_a_date_time(nanopubs):
    for nanopub in nanopubs.values():
        iri = nanopub_iri(nanopub)
        (created,) = [o for _s, _p, o, _g in nanopub.quads((iri, DCTERMS.created, None, None))]
        assert created.datatype == XSD.dateTime and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d",
                                                                  str(created))


def test_the_licence_covers_the_assertion_and_not_the_quoted_words(nanopubs):
    nanopub = nanopubs[CLAIM_IRI]
    iri = nanopub_iri(nanopub)
    licences = {(s, o) for s, _p, o, _g in nanopub.quads((None, DCTERMS.license, None, None))}
    assert licences == {(URIRef(f"{iri}#assertion"), CC_BY)}
    (rights,) = [o for _s, _p, o, _g in nanopub.quads((iri, DCTERMS.rights, None, None))]
    words = " ".join(str(o) for _s, _p, o, _g in nanopub.quads((rights, RDFS.label, None, None)))
    assert "CC BY" in words and "quote" in words and "not" in words


def test_a_signed_nanopublication_is_valid_to_nanopub_py(signed):
    for nanopub in list(signed.values())[:5]:
        read = nanopub_py(trig_of(nanopub))
        assert TRUSTY.fullmatch(str(read.source_uri))
        assert read.is_valid and read.has_valid_trusty and read.has_valid_signature
        assert read.signed_with_public_key and read.metadata.algorithm == Literal("RSA")


def _signature_holds(nanopub) -> bool:
    """The signature checked as the nanopublication specification defines it, with pycryptodome: the normal
    form of every quad but npx:hasSignature, RSA PKCS#1 v1.5 with SHA-256 (nanopub-py 2.0.1's own check
    accepts any signature, so it cannot be the only judge)."""
    read = nanopub_py(trig_of(nanopub))
    meta = read.metadata
    quads = [q for q in RdfUtils.get_quads(read.rdf) if q[2] != NPX.hasSignature]
    text = RdfHasher.normalize_quads(quads, baseuri=str(meta.namespace), hashstr=" ")
    key = RSA.import_key(base64.b64decode(str(meta.public_key)))
    try:
        pkcs1_15.new(key).verify(SHA256.new(text.encode("utf-8")), base64.b64decode(str(meta.signature)))
        return True
    except ValueError:
        return False


def test_the_signature_verifies_and_a_changed_word_does_not(signed):
    nanopub = signed[CLAIM_IRI]
    assert _signature_holds(nanopub)
    changed = Dataset()
    for s, p, o, g in nanopub.quads((None, None, None, None)):
        changed.add((s, p, Literal(str(o) + " (changed)", lang=o.language) if p == RDFS.label else o, g))
    assert not _signature_holds(changed)


def test_nanopub_py_signing_the_same_nanopublication_with_the_same_key_gives_the_same_trusty_uri(
        nanopubs, signed, key_file):
    unsigned = nanopubs[CLAIM_IRI]
    iri = str(nanopub_iri(unsigned))
    temporary = "https://w3id.org/eco-kg/np/gas-pipeline-under-discussion"
    graph = ConjunctiveGraph()
    for s, p, o, g in unsigned.quads((None, None, None, None)):
        rename = lambda t: URIRef(temporary + str(t)[len(iri):]) if str(t).startswith(iri) else t  # noqa: E731
        graph.add((rename(s), p, rename(o), graph.get_context(rename(g))))
    pem = key_file.read_text()
    private = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    profile = Profile(name="signer", orcid_id="https://orcid.org/0000-0000-0000-0000", private_key=private)
    pubinfo = graph.get_context(URIRef(temporary + "#pubinfo"))
    result = add_signature(graph, profile, Namespace(temporary + "#"), pubinfo)
    ours = signed[CLAIM_IRI]
    theirs = {str(s) for s, _p, _o, _g in result.quads((None, RDF.type, NP.Nanopublication, None))}
    assert theirs == {str(nanopub_iri(ours))}


def _pem(key, password: bytes | None = None) -> bytes:
    encryption = (serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


@pytest.mark.parametrize("content, message", [
    (lambda: b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", "not an RSA private key in PEM"),
    (lambda: _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048), b"secret"), "passphrase"),
    (lambda: _pem(ec.generate_private_key(ec.SECP256R1())), "is not RSA"),
    (None, "cannot read the signing key"),
])
def test_a_key_that_cannot_sign_is_named_with_what_to_do(tmp_path, content, message):
    path = tmp_path / "key.pem"
    if content is not None:
        path.write_bytes(content())
    with pytest.raises(SigningKeyError) as raised:
        load_private_key(path)
    assert message in str(raised.value) and str(path) in str(raised.value) and "fix:" in str(raised.value)


@pytest.mark.slow
def test_the_command_signs_with_the_key_given(settings, built, tmp_path, key_file):
    output = tmp_path / "signed.trig"
    completed = subprocess.run([ECOKG, "export", "--nanopub", "--sign", str(key_file), "--output", str(output)],
                               capture_output=True, text=True, timeout=300,
                               env={"ECOKG_BUILD_DIR": str(settings.build_dir), "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"wrote 51 signed nanopublications to {output}"
    parsed = Dataset()
    parsed.parse(output, format="trig")
    assert len({s for s, _p, _o, _g in parsed.quads((None, NPX.hasSignature, None, None))}) == 51


@pytest.mark.slow
@pytest.mark.parametrize("content, message", [(b"not a key\n", "not an RSA private key in PEM"), (None, "cannot read")])
def test_a_key_that_cannot_sign_is_exit_2_naming_it(settings, built, tmp_path, content, message):
    key = tmp_path / "key.pem"
    if content is not None:
        key.write_bytes(content)
    completed = subprocess.run([ECOKG, "export", "--nanopub", "--sign", str(key), "-o", str(tmp_path / "x.trig")],
                               capture_output=True, text=True, timeout=300,
                               env={"ECOKG_BUILD_DIR": str(settings.build_dir), "PATH": "/usr/bin:/bin"})
    assert completed.returncode == 2
    assert message in completed.stderr and str(key) in completed.stderr and "Traceback" not in completed.stderr
    assert not (tmp_path / "x.trig").exists()


# ------------------------------------------------------------------ the np/ IRIs and the download, over HTTP

@pytest.fixture(scope="module")
def live(settings, built):
    from kg.stores import open_store
    from server.app import create_app

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from liveserver import LiveServer

    with LiveServer(create_app(settings, open_store(settings.with_(store="oxigraph")))) as server:
        yield server.url


def local(iri) -> str:
    return "/" + str(iri)[len("https://w3id.org/eco-kg/"):]


@pytest.mark.slow
def test_every_np_iri_dereferences_to_its_nanopublication(live, nanopubs):
    session = requests.Session()  # one connection for the 51 requests
    for claim, nanopub in nanopubs.items():
        iri = nanopub_iri(nanopub)
        answer = session.get(live + local(iri), headers={"Accept": "application/trig"}, timeout=60)
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/trig")
        assert answer.headers["Vary"] == "Accept"
        read = nanopub_py(answer.text)
        assert str(read.source_uri) == str(iri) and read.has_valid_trusty
        assert (iri, NPX.introduces, claim) in {(s, p, o) for s, p, o, _g in read.rdf.quads((None, None, None))}


@pytest.mark.slow
def test_nanopub_py_fetches_one_over_http(live, nanopubs):
    iri = nanopub_iri(nanopubs[CLAIM_IRI])
    fetched = Nanopub(source_uri=live + local(iri))  # nanopub-py asks for <uri>.trig, as from a nanopub server
    assert str(fetched.metadata.np_uri) == str(iri) and fetched.is_valid
    assert RdfHasher.make_hash(RdfUtils.get_quads(fetched.rdf), baseuri=str(iri) + "#", hashstr=" ") == \
        str(iri).rsplit("/", 1)[1]


@pytest.mark.slow
@pytest.mark.parametrize("accept, media", [("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
                                           ("application/n-quads", "application/n-quads"),
                                           ("application/ld+json", "application/ld+json"),
                                           (None, "application/trig"),
                                           ("application/trig;q=0, text/html", "text/html")])
def test_an_np_iri_answers_in_the_format_asked_for(live, nanopubs, accept, media):
    iri = nanopub_iri(nanopubs[CLAIM_IRI])
    headers = {"Accept": accept} if accept else {}
    session = requests.Session()
    if accept is None:
        session.headers.pop("Accept", None)
    answer = session.get(live + local(iri), headers=headers, timeout=60)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(media)
    if media == "text/html":
        assert str(iri) in answer.text and "/id/claim/gas-pipeline-under-discussion" in answer.text
    else:
        parsed = Dataset()
        parsed.parse(data=answer.text, format={"application/n-quads": "nquads", "application/ld+json": "json-ld"}
                     .get(media, "trig"))
        assert (iri, RDF.type, NP.Nanopublication) in {(s, p, o) for s, p, o, _g in parsed.quads()}


@pytest.mark.slow
@pytest.mark.parametrize("path, status", [("/np/RA" + "A" * 43, 404), ("/np/nothing-here", 404),
                                          ("/np/RA" + "A" * 43 + ".exe", 404)])
def test_an_unknown_np_iri_is_404_with_a_message(live, path, status):
    answer = requests.get(live + path, headers={"Accept": "text/plain"}, timeout=60)
    assert answer.status_code == status and "nanopublication" in answer.text and "Traceback" not in answer.text


@pytest.mark.slow
def test_a_format_without_graphs_gets_trig_or_is_told_which_formats_keep_them(live, nanopubs):
    iri = nanopub_iri(nanopubs[CLAIM_IRI])
    answer = requests.get(live + local(iri), headers={"Accept": "text/turtle"}, timeout=60)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/trig")
    answer = requests.get(live + local(iri), params={"format": "turtle"}, timeout=60)
    assert answer.status_code == 406 and "trig" in answer.text and "Traceback" not in answer.text


@pytest.mark.slow
def test_a_claims_former_np_iri_is_sent_to_its_trusty_uri(live, nanopubs):
    answer = requests.get(live + "/np/gas-pipeline-under-discussion", allow_redirects=False, timeout=60)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(local(nanopub_iri(nanopubs[CLAIM_IRI])))


@pytest.mark.slow
def test_the_set_is_a_download_and_listed_with_the_dumps(live, nanopubs):
    answer = requests.get(live + "/download/eco-kg-nanopubs.trig", timeout=60)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/trig")
    parsed = Dataset()
    parsed.parse(data=answer.text, format="trig")
    served = {s for s, _p, _o, _g in parsed.quads((None, RDF.type, NP.Nanopublication, None))}
    assert served == {nanopub_iri(n) for n in nanopubs.values()}
    record = Graph().parse(data=requests.get(live + "/.well-known/void", headers={"Accept": "text/turtle"},
                                             timeout=60).text, format="turtle")
    dumps = {str(o).rsplit("/", 1)[1] for o in record.objects(None, VOID.dataDump)}
    assert "eco-kg-nanopubs.trig" in dumps


@pytest.mark.slow
def test_an_accepted_update_gives_its_claim_a_nanopublication_here_and_in_the_export(settings, built, tmp_path):
    from kg.build import load_dataset
    from kg.export import with_accepted_updates
    from kg.stores import open_store
    from server.app import create_app
    from server.update import OWL_CONFIG

    token = "nanopub-update-token-0123456789abcdef0123"
    updating = settings.with_(update_enabled=True, update_token=token, update_journal=str(tmp_path / "journal.jsonl"))
    app = create_app(updating, open_store(settings.with_(store="oxigraph")))
    app.config[OWL_CONFIG] = False  # the OWL stage has a test of its own
    client = app.test_client()

    def served() -> dict:
        parsed = Dataset()
        parsed.parse(data=client.get("/download/eco-kg-nanopubs.trig").get_data(as_text=True), format="trig")
        return {o: s for s, _p, o, _g in parsed.quads((None, NPX.introduces, None, None))}

    assert len(served()) == 51
    source = "https://w3id.org/eco-kg/graph/source/iran-pakistan-eco-security-interview"
    update = f"""INSERT DATA {{ GRAPH <{source}> {{
  claim:pk-can-help-in-several-ways a eco:Proposal ;
    rdfs:label "Pakistan can help ECO's vision in several ways"@en ;
    eco:holder ecoid:Pakistan ; eco:modality modality:Offered ; eco:forum ecoid:ECO ;
    eco:quote "Concretely, Pakistan can help in several ways." . }} }}"""
    answer = client.post("/update", data=update.encode("utf-8"), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    after = served()
    new = CLAIM["pk-can-help-in-several-ways"]
    assert len(after) == 52 and TRUSTY.fullmatch(str(after[new]))
    page = client.get(local(after[new]), headers={"Accept": "application/trig"})
    assert page.status_code == 200 and nanopub_py(page.get_data(as_text=True)).has_valid_trusty
    exported = dict(claim_nanopublications(with_accepted_updates(load_dataset(settings), updating)))
    assert {c: nanopub_iri(n) for c, n in exported.items()} == after
