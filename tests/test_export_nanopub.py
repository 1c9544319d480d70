"""`ecokg export --nanopub`: one nanopublication per claim, with its head, assertion, provenance (the
words, by Web Annotation selectors) and publication info, each claim citable on its own."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from kg.export import NP, NPX, claim_nanopublications, write_nanopublications
from kg.namespaces import CLAIM, ECO, OA

ECOKG = str(Path(sys.executable).parent / "ecokg")
CLAIM_IRI = CLAIM["gas-pipeline-under-discussion"]


@pytest.fixture(scope="module")
def nanopubs(dataset):
    return dict(claim_nanopublications(dataset))


def test_one_nanopublication_per_claim(nanopubs):
    assert len(nanopubs) == 51


def test_the_head_names_the_three_graphs(nanopubs):
    nanopub = nanopubs[CLAIM_IRI]
    base = URIRef("https://w3id.org/eco-kg/np/gas-pipeline-under-discussion")
    head = nanopub.graph(URIRef(f"{base}#Head"))
    assert (base, RDF.type, NP.Nanopublication) in head
    for part, prop in (("assertion", NP.hasAssertion), ("provenance", NP.hasProvenance),
                       ("pubinfo", NP.hasPublicationInfo)):
        assert (base, prop, URIRef(f"{base}#{part}")) in head
        assert len(nanopub.graph(URIRef(f"{base}#{part}"))) > 0


def test_the_assertion_is_the_claim_and_the_provenance_its_words(nanopubs):
    nanopub = nanopubs[CLAIM_IRI]
    base = "https://w3id.org/eco-kg/np/gas-pipeline-under-discussion"
    assertion = nanopub.graph(URIRef(base + "#assertion"))
    provenance = nanopub.graph(URIRef(base + "#provenance"))
    assert (CLAIM_IRI, RDF.type, ECO.Assessment) in assertion
    assert not list(assertion.triples((CLAIM_IRI, ECO.hasEvidence, None)))
    exact = {str(o) for o in provenance.objects(None, OA.exact)}
    assert exact == {"there is long-standing discussion around gas pipeline options"}
    pubinfo = nanopub.graph(URIRef(base + "#pubinfo"))
    assert (URIRef(base), NPX.introduces, CLAIM_IRI) in pubinfo
    assert (URIRef(base), DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in pubinfo


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
