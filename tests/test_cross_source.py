"""Questions across sources, as a researcher asks them: the named queries on a project holding a second, fictional
source beside the interview (registered, drafted, curated, gated, added and built through `ecokg`), and on the
interview alone."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.project import load_project
from kg.query import find_query, run_query
from kg.settings import Settings
from kg.stores import open_store
from test_project import ecokg

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "fictional-source" / "fictional-transit-remarks.txt"
NAMESPACE = "https://example.org/transit/"
SLUG = "fictional-transit-remarks"
TITLE = "Remarks at an imagined transit forum (fictional, written for tests)"
INTERVIEW = "Interview on Iran–Pakistan security cooperation within ECO"
CLAIM = f"{NAMESPACE}id/claim/{SLUG}-s"


def curate(draft: str) -> str:
    """What a curator does with the draft of the fictional text: accepts every claim (its draft line deleted),
    makes "not a priority" a stance rather than a factual statement, and keeps of the working groups' domains
    the two the sentence names."""
    kept = [line for line in draft.splitlines(keepends=True) if not line.rstrip().endswith("eco:curationStatus eco:Draft .")]
    curated = "".join(kept)
    for wrong, right in ((f"{CLAIM}004> a eco:FactualStatement", f"{CLAIM}004> a eco:Stance"),
                         (" , domain:CounterNarcotics , domain:CyberIssues , domain:DisasterResponse", "")):
        assert wrong in curated, wrong
        curated = curated.replace(wrong, right)
    return curated


def make_two_source_project(folder: Path) -> Path:
    """A project beside the interview holding the fictional text, its claims curated from the draft and added."""
    done = ecokg("init", str(folder), "--namespace", NAMESPACE, "--title", "Transit remarks (fictional)",
                 cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    text = folder.parent / FIXTURE.name
    shutil.copyfile(FIXTURE, text)
    steps = [("source", "add", str(text), "--title", TITLE, "--holder", "Turkey", "--speaker", "Alex Example",
              "--date", "2026-01-15", "--language", "en"),
             ("extract", SLUG, "--output", "draft.ttl")]
    for step in steps:
        done = ecokg(*step, cwd=folder)
        assert done.returncode == 0, done.stdout + done.stderr
    (folder / "curated.ttl").write_text(curate((folder / "draft.ttl").read_text(encoding="utf-8")), encoding="utf-8")
    for step in (("validate", "--no-owl", "curated.ttl"), ("add", "--no-owl", "curated.ttl"), ("build", "--quiet")):
        done = ecokg(*step, cwd=folder)
        assert done.returncode == 0, done.stdout + done.stderr
    return folder


def project_settings(folder: Path) -> Settings:
    project = load_project(folder / "ecokg.toml")
    return Settings().with_(project=project, build_dir=project.build_dir)


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory):
    folder = make_two_source_project(tmp_path_factory.mktemp("work") / "transit")
    settings = project_settings(folder)
    return settings, open_store(settings)


@pytest.fixture(scope="module")
def interview_alone(settings, built):
    return settings, open_store(settings)


def rows(where, name: str) -> list[tuple]:
    settings, store = where
    result = run_query(find_query(name, settings).text, settings, store=store)
    return [tuple("" if t is None else str(t) for t in row) for row in result.rows]


@pytest.mark.slow
def test_claims_by_source_counts_each_sources_claims_by_kind(two_sources):
    by_source = {}
    for source, title, kind, claims in rows(two_sources, "claims-by-source"):
        by_source.setdefault((source, title), {})[kind] = int(claims)
    assert by_source[(f"{NAMESPACE}id/source/{SLUG}", TITLE)] == {"stance": 3, "factual statement": 1}
    interview = by_source[("https://w3id.org/eco-kg/id/source/iran-pakistan-eco-security-interview", INTERVIEW)]
    assert interview["proposal"] >= 5 and sum(interview.values()) >= 50
    assert len(by_source) == 2


def test_on_the_interview_alone_claims_by_source_names_only_the_interview(interview_alone):
    assert {title for _s, title, _k, _n in rows(interview_alone, "claims-by-source")} == {INTERVIEW}


@pytest.mark.slow
def test_sources_by_date_lists_the_dated_source_first_with_its_speaker_and_licence(two_sources):
    listed = rows(two_sources, "sources-by-date")
    assert [(date, title, speaker, language, licence) for date, _s, title, speaker, _p, language, licence, _n in listed] == [
        ("2026-01-15", TITLE, "Alex Example", "en", "not known"),
        ("", INTERVIEW, "unnamed Pakistani official", "en", "not known")]
    assert int(listed[0][-1]) == 4 and int(listed[1][-1]) >= 50


def test_sources_by_date_on_the_interview_alone(interview_alone):
    (row,) = rows(interview_alone, "sources-by-date")
    assert row[0] == "" and row[2] == INTERVIEW and row[3] == "unnamed Pakistani official"


@pytest.mark.slow
def test_the_same_topic_in_two_sources_shows_what_each_says(two_sources):
    found = rows(two_sources, "same-topic-in-two-sources")
    said = {(aspect, topic, title, holder, kind, modality, exact)
            for aspect, _t, topic, title, _c, holder, kind, modality, exact in found}
    assert ("measure", "digital customs", TITLE, "Turkey", "stance", "favoured",
            "Turkey favours digital customs at every border crossing of the ECO region.") in said
    assert ("measure", "digital customs", INTERVIEW, "Pakistan", "proposal", "offered",
            "Pakistan’s experience in areas such as digitalisation of customs, the use of the TIR system and "
            "public-private partnership models can be shared within ECO to support the financing and operation of "
            "large projects.") in said
    assert ("place", "Iran–Pakistan gas pipeline options", TITLE, "Turkey", "stance", "not the case",
            "For Turkey, gas pipeline options are not a priority.") in said
    # every topic listed is spoken of by both sources, and only topics both speak of are listed
    titles_by_topic = {}
    for aspect, _t, topic, title, *_rest in found:
        titles_by_topic.setdefault((aspect, topic), set()).add(title)
    assert all(titles == {TITLE, INTERVIEW} for titles in titles_by_topic.values())
    assert {("measure", "TIR system"), ("place", "Central Asia"), ("domain", "maritime safety"),
            ("measure", "ECO thematic working groups on security")} <= set(titles_by_topic)
    assert ("domain", "counter-narcotics") not in titles_by_topic  # curated away: the sentence does not name it


def test_the_same_topic_in_two_sources_is_empty_on_the_interview_alone(interview_alone):
    assert rows(interview_alone, "same-topic-in-two-sources") == []


@pytest.mark.slow
def test_claims_that_differ_in_polarity_and_modality_across_holders_and_sources(two_sources):
    found = rows(two_sources, "claims-differ-on-topic")
    pairs = {frozenset({(holder_a, modality_a, polarity_a, source_a), (holder_b, modality_b, polarity_b, source_b)})
             for (_aspect, topic, holder_a, modality_a, polarity_a, source_a, _ea,
                  holder_b, modality_b, polarity_b, source_b, _eb) in found if topic == "Iran–Pakistan gas pipeline options"}
    assert pairs == {frozenset({("Turkey", "not the case", "negative", TITLE),
                                ("Pakistan", "under discussion", "positive", INTERVIEW)})}
    digital = {(row[2], row[3], row[7], row[8]) for row in found if row[1] == "digital customs"}
    assert {("Turkey", "favoured", "Pakistan", "offered"), ("Turkey", "favoured", "Pakistan", "expected")} <= {
        (a, ma, b, mb) if a == "Turkey" else (b, mb, a, ma) for a, ma, b, mb in digital}


def test_claims_that_differ_on_the_interview_alone_stay_within_it(interview_alone):
    found = rows(interview_alone, "claims-differ-on-topic")
    assert found and {(row[5], row[10]) for row in found} == {(INTERVIEW, INTERVIEW)}
    assert all(row[3] != row[8] or row[4] != row[9] for row in found)  # modality or polarity differs
    assert all(row[2] != row[7] for row in found)  # one source: two holders


@pytest.mark.slow
def test_who_said_what_where_names_the_speaker_whom_they_speak_for_and_the_paragraph(two_sources):
    found = rows(two_sources, "who-said-what-where")
    fictional = [(speaker, speaks_for, kind, title, date, paragraph, exact)
                 for speaker, speaks_for, kind, _c, title, date, paragraph, exact in found if title == TITLE]
    assert fictional == [
        ("Alex Example", "Turkey", "stance", TITLE, "2026-01-15", "4",
         "Turkey favours digital customs at every border crossing of the ECO region."),
        ("Alex Example", "Turkey", "stance", TITLE, "2026-01-15", "5",
         "Turkey would welcome thematic working groups under ECO on border management and maritime safety."),
        ("Alex Example", "Turkey", "stance", TITLE, "2026-01-15", "6",
         "For Turkey, gas pipeline options are not a priority."),
        ("Alex Example", "Turkey", "factual statement", TITLE, "2026-01-15", "7",
         "Turkey already uses the TIR system for transit to Central Asia.")]
    assert found[:4] == [row for row in found if row[4] == TITLE]  # the dated source first


def test_who_said_what_where_on_the_interview_alone(interview_alone):
    found = rows(interview_alone, "who-said-what-where")
    speakers = {(speaker, speaks_for) for speaker, speaks_for, *_rest in found}
    assert speakers == {("unnamed Pakistani official", "Pakistan"), ("unknown interviewer", "")}
    assert len({row[3] for row in found}) >= 50 and {row[4] for row in found} == {INTERVIEW}
    assert ("unknown interviewer", "", "reported statement") in {row[:3] for row in found}
