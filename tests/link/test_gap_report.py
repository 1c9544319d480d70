"""`ecokg link --report`: the entities without a link, with type, label and reason."""
from __future__ import annotations

import csv
import io
import json


def test_report_lists_unconfirmed_entities_with_type_and_label(ecokg):
    result = ecokg("link", "--report")
    assert result.code == 0
    lines = result.out.splitlines()
    tir = next(line for line in lines if line.startswith("ecoid:TIRSystem "))
    assert "eco:TransitSystem" in tir and "TIR system" in tir and "unconfirmed" in tir
    assert lines[-1].startswith("(24 entities without a Wikidata link; 20 linked)")


def test_report_does_not_list_linked_entities(ecokg):
    result = ecokg("link", "--report", "--format", "csv")
    entities = [row["entity"] for row in csv.DictReader(io.StringIO(result.out))]
    assert "ecoid:Pakistan" not in entities and "ecoid:ECO" not in entities
    assert "ecoid:GlobalSouth" in entities


def test_report_as_json_names_the_readme_gaps(ecokg):
    result = ecokg("link", "--report", "--format", "json")
    rows = {row["entity"]: row for row in json.loads(result.out)}
    for name in ["TIRSystem", "ChinaPakistanEconomicCorridor", "IranPakistanGasPipeline", "Araghchi", "GlobalSouth"]:
        assert rows[f"ecoid:{name}"]["status"] == "unconfirmed"
    assert rows["ecoid:WesternChina"]["status"] == "no-counterpart"
    assert "Xinjiang" in rows["ecoid:WesternChina"]["reason"]
    assert set(rows["ecoid:Araghchi"]) == {"entity", "type", "label", "status", "reason"}


def test_new_register_entity_shows_as_not_reviewed(project, ecokg):
    entities = project.seeds_dir / "entities.ttl"
    entities.write_text(entities.read_text(encoding="utf-8") +
                        '\necoid:GwadarPort a eco:Port ; rdfs:label "Gwadar Port"@en .\n', encoding="utf-8")
    result = ecokg("link", "--report", "--format", "csv", root=project.root)
    rows = {row["entity"]: row for row in csv.DictReader(io.StringIO(result.out))}
    assert rows["ecoid:GwadarPort"]["status"] == "not reviewed"
    assert rows["ecoid:GwadarPort"]["type"] == "eco:Port"


def test_unknown_status_in_unlinked_list_is_a_clear_input_error(project, ecokg):
    path = project.seeds_dir / "links" / "unlinked.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("GlobalSouth\tunconfirmed", "GlobalSouth\tmaybe"),
                    encoding="utf-8")
    result = ecokg("link", "--report", root=project.root)
    assert result.code == 2
    assert "unlinked.tsv:" in result.err and "unknown status 'maybe'" in result.err
    assert "Traceback" not in result.err
