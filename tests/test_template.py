"""The contributor's claim template passes the validation gate as it stands."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kg.settings import Settings

TEMPLATE = Settings().seeds_dir / "templates" / "claim.ttl"


@pytest.mark.reasoner
def test_the_claim_template_passes_the_gate(settings, built):
    run = subprocess.run([sys.executable, "-m", "kg", "validate", str(TEMPLATE)], capture_output=True, text=True,
                         env=dict(os.environ, ECOKG_BUILD_DIR=str(settings.build_dir)))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ok: 1 file(s)" in run.stdout


def test_the_template_declares_every_field_a_claim_needs():
    text = TEMPLATE.read_text(encoding="utf-8")
    for field in ("eco:holder", "eco:modality", "eco:quote", "rdfs:label", '"@en', "prov:wasDerivedFrom",
                  "@prefix claim:", "@prefix modality:"):
        assert field in text, field
