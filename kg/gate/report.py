"""What the gate found, and every way of printing it.

Owns the `Problem` (one broken rule at one place, with how to fix it; `shortened` cuts its long texts), the
`Report` of a run (its problems, the stages run and their times, the exit code), and the output formats: human
text, JSON, JUnit XML, SARIF 2.1.0, GitHub workflow annotations and a Markdown summary. It does not decide what
is a problem; the stage modules do.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ..errors import EXIT_INPUT, EXIT_OK, EXIT_VIOLATIONS, ValidationFailure, format_location
from ..namespaces import BASE

#: the stages, in the order they run; each stops the run when it finds a problem
STAGES = ("input", "bytes", "syntax", "change", "vocabulary", "shacl", "evidence", "owl", "graph")

#: what each stage checks, for --help, the Markdown summary and the SARIF rule descriptions
STAGE_TITLES = {
    "input": "the file can be read (exists, known extension)",
    "bytes": "UTF-8, no control characters, within the size limit",
    "syntax": "parses strictly in the serialisation its extension names",
    "change": "an update empties no curated graph, copies none into another, leaves no node without a label",
    "vocabulary": "known classes and properties, project namespace, well-formed IRIs and literals, no ontology edits",
    "shacl": "SHACL shapes (ontology/shapes.ttl and the ontology's domains and ranges) on the new nodes",
    "evidence": "every quote is verbatim in its source; selector offsets slice to the quoted words",
    "owl": "the ontology, the graph and the change are consistent under the OWL 2 RL rules (default) or, with "
           "--owl hermit, under HermiT (OWL 2 DL)",
    "graph": "no dangling IRIs, no duplicate labels, one entity per Wikidata item, no two entities made one, no "
             "plain triple between entities that no factual statement or cited background source supports",
}

#: problems of these stages mean the input could not be read as RDF: exit code 2, not 1
UNREADABLE_STAGES = frozenset({"input", "bytes", "syntax"})
#: a stage that went past a limit could not judge the input: exit code 2 whichever stage it was
LIMIT_RULES = frozenset({"time-limit", "memory-limit"})
#: the rule of the last problem of a stage whose list was cut ("… and N more")
MORE_RULE = "more-problems"


@dataclass
class Problem:
    """One rule broken at one place."""

    stage: str
    rule: str
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    node: str | None = None
    property: str | None = None
    value: str | None = None
    hint: str | None = None

    def __post_init__(self):
        if self.line is not None and self.line < 1:
            self.line = None
        if self.column is not None and (self.column < 1 or self.line is None):
            self.column = None

    def location(self) -> str:
        return format_location(self.file, self.line, self.column) or "(change)"

    def rule_id(self) -> str:
        return f"{self.stage}/{self.rule}"

    def one_line(self) -> str:
        text = self.message
        if self.hint:
            text += f" (fix: {self.hint})"
        return text


@dataclass
class StageRun:
    name: str
    status: str  # "passed" | "failed" | "skipped"
    seconds: float = 0.0
    note: str = ""


@dataclass
class Report:
    """The outcome of one gate run over some files (or one graph change)."""

    files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stages: list[StageRun] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    #: what the build derives from the change (evidence selectors, attribution): a caller that stores
    #: the change stores these too, so the stored graph stays as the build would make it
    derived: object = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def failed_stage(self) -> str | None:
        for stage in self.stages:
            if stage.status == "failed":
                return stage.name
        return None

    @property
    def exit_code(self) -> int:
        if not self.problems:
            return EXIT_OK
        if any(p.stage in UNREADABLE_STAGES or p.rule in LIMIT_RULES for p in self.problems):
            return EXIT_INPUT
        return EXIT_VIOLATIONS

    def stage_seconds(self, name: str) -> float:
        return sum(s.seconds for s in self.stages if s.name == name)

    @property
    def text(self) -> str:
        """The report as a person reads it (the text format)."""
        return format_text(self)

    def to_error(self) -> "GateRejected":
        """The report as an exception (for callers that reject a change by raising)."""
        return GateRejected(self)

    def summary(self) -> str:
        if self.ok:
            ran = ", ".join(s.name for s in self.stages if s.status == "passed")
            return (f"ok: {len(self.files) or 'the'} file(s), {self.triples} triples passed {ran} "
                    f"in {self.seconds:.2f} s")
        listed = [p for p in self.problems if p.rule != MORE_RULE]
        unlisted = sum(int(p.value or 0) for p in self.problems if p.rule == MORE_RULE)
        count = f"{len(listed) + unlisted} problem(s)" + (f", the first {len(listed)} listed" if unlisted else "")
        return f"rejected at stage {self.failed_stage}: {count} ({STAGE_TITLES.get(self.failed_stage or '', '')})"


def cap_problems(problems: list[Problem], limit: int) -> list[Problem]:
    """The first ``limit`` problems, then one that says how many more there are."""
    if len(problems) <= limit:
        return problems
    more = len(problems) - limit
    first = problems[0]
    return problems[:limit] + [Problem(first.stage, MORE_RULE, f"… and {more:,} more problem(s) of this stage, "
                                       f"not listed (at most {limit} are)", file=first.file, value=str(more),
                                       hint="fix the ones listed and run again, or raise the number listed with "
                                            "--max-problems (ECOKG_GATE_MAX_PROBLEMS)")]


#: longest text of a problem's message, node, property or value: a parser may quote a whole line of the file
MOST_PROBLEM_TEXT = 300


def shortened(problem: Problem) -> Problem:
    """``problem`` with each text cut to `MOST_PROBLEM_TEXT` characters, saying how much was left out."""
    for name in ("message", "node", "property", "value"):
        text = getattr(problem, name)
        if text is not None and len(text) > MOST_PROBLEM_TEXT:
            setattr(problem, name, f"{text[:MOST_PROBLEM_TEXT - 60]}… ({len(text) - MOST_PROBLEM_TEXT + 60:,} more "
                                   "characters)")
    return problem


class GateRejected(ValidationFailure):
    """A change the gate refused; carries the full `Report`."""

    def __init__(self, report: Report):
        first = report.problems[0] if report.problems else None
        shown = report.problems[:10]
        details = "".join(f"\n  {p.location()}: [{p.rule_id()}] {p.one_line()}" for p in shown)
        if len(report.problems) > len(shown):
            details += f"\n  … and {len(report.problems) - len(shown)} more"
        super().__init__(report.summary() + details, file=first.file if first else None,
                         line=first.line if first else None)
        self.report = report
        self.exit_code = report.exit_code


# ------------------------------------------------------------------------------------------------
# Output formats
# ------------------------------------------------------------------------------------------------

def format_text(report: Report) -> str:
    lines = []
    for p in report.problems:
        lines.append(f"{p.location()}: [{p.rule_id()}] {p.message}")
        if p.node:
            lines.append(f"    node:     {p.node}")
        if p.property:
            lines.append(f"    property: {p.property}")
        if p.value is not None:
            lines.append(f"    value:    {p.value}")
        if p.hint:
            lines.append(f"    fix:      {p.hint}")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def as_dict(report: Report) -> dict:
    return {
        "ok": report.ok,
        "exit_code": report.exit_code,
        "failed_stage": report.failed_stage,
        "files": report.files,
        "triples": report.triples,
        "seconds": round(report.seconds, 3),
        "stages": [asdict(s) | {"seconds": round(s.seconds, 3)} for s in report.stages],
        "problems": [asdict(p) | {"rule_id": p.rule_id()} for p in report.problems],
    }


def format_json(report: Report) -> str:
    return json.dumps(as_dict(report), indent=2, ensure_ascii=False) + "\n"


def format_junit(report: Report) -> str:
    """One test suite per stage, one test case per file and stage; problems are failures."""
    files = report.files or ["(change)"]
    suites = []
    total_tests = total_failures = 0
    for stage in report.stages:
        cases = []
        failures = 0
        for file in files:
            found = [p for p in report.problems if p.stage == stage.name and (p.file or "(change)") == file]
            name = quoteattr(f"{stage.name}: {file}")
            if stage.status == "skipped":
                cases.append(f'    <testcase classname="ecokg.validate.{stage.name}" name={name}>'
                             f'<skipped message={quoteattr(stage.note or "an earlier stage failed")}/></testcase>')
            elif found:
                failures += 1
                body = "\n".join(f"{p.location()}: [{p.rule_id()}] {p.one_line()}" for p in found)
                cases.append(f'    <testcase classname="ecokg.validate.{stage.name}" name={name} '
                             f'time="{stage.seconds:.3f}">\n'
                             f'      <failure message={quoteattr(found[0].message)} type={quoteattr(found[0].rule_id())}>'
                             f'{escape(body)}</failure>\n    </testcase>')
            else:
                cases.append(f'    <testcase classname="ecokg.validate.{stage.name}" name={name} '
                             f'time="{stage.seconds:.3f}"/>')
        total_tests += len(cases)
        total_failures += failures
        suites.append(f'  <testsuite name="ecokg validate: {stage.name}" tests="{len(cases)}" '
                      f'failures="{failures}" time="{stage.seconds:.3f}">\n' + "\n".join(cases) + "\n  </testsuite>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="ecokg validate" tests="{total_tests}" failures="{total_failures}" '
            f'time="{report.seconds:.3f}">\n' + "\n".join(suites) + "\n</testsuites>\n")


def _relative_uri(file: str | None, root: Path | None) -> str:
    if not file:
        return "change"
    path = Path(file)
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def format_sarif(report: Report, root: Path | None = None) -> str:
    """SARIF 2.1.0, as GitHub code scanning reads it (paths relative to the repository root)."""
    rule_ids = sorted({p.rule_id() for p in report.problems})
    rules = [{
        "id": rule_id,
        "name": rule_id.replace("/", "-"),
        "shortDescription": {"text": f"{rule_id.split('/')[0]} stage: {rule_id.split('/', 1)[1]}"},
        "fullDescription": {"text": STAGE_TITLES.get(rule_id.split("/")[0], rule_id)},
        "defaultConfiguration": {"level": "error"},
    } for rule_id in rule_ids]
    results = []
    for p in report.problems:
        text = p.message
        details = [f"{label}: {value}" for label, value in
                   (("node", p.node), ("property", p.property), ("value", p.value), ("fix", p.hint)) if value]
        if details:
            text += "\n" + "\n".join(details)
        region = {"startLine": p.line or 1}
        if p.column:
            region["startColumn"] = p.column
        results.append({
            "ruleId": p.rule_id(),
            "ruleIndex": rule_ids.index(p.rule_id()),
            "level": "error",
            "message": {"text": text},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _relative_uri(p.file, root), "uriBaseId": "%SRCROOT%"},
                "region": region}}],
        })
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ecokg validate", "informationUri": BASE,
                                "rules": rules}},
            "results": results,
            "invocations": [{"executionSuccessful": report.exit_code in (0, 1), "exitCode": report.exit_code}],
        }],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


def _gh_escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_property(text: str) -> str:
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(report: Report, root: Path | None = None) -> str:
    """GitHub Actions workflow commands: one ``::error`` line per problem."""
    lines = []
    for p in report.problems:
        props = []
        if p.file:
            props.append("file=" + _gh_escape_property(_relative_uri(p.file, root)))
        if p.line:
            props.append(f"line={p.line}")
        if p.column:
            props.append(f"col={p.column}")
        props.append("title=" + _gh_escape_property(f"ecokg {p.rule_id()}"))
        message = p.message
        for label, value in (("node", p.node), ("property", p.property), ("value", p.value), ("fix", p.hint)):
            if value:
                message += f"\n{label}: {value}"
        lines.append(f"::error {','.join(props)}::{_gh_escape_data(message)}")
    lines.append(("::notice title=ecokg validate::" if report.ok else "::error title=ecokg validate::")
                 + _gh_escape_data(report.summary()))
    return "\n".join(lines) + "\n"


def _md_cell(text) -> str:
    return "" if text is None else str(text).replace("|", "\\|").replace("\n", " ")


def format_markdown(report: Report, root: Path | None = None) -> str:
    """A summary for a pull-request comment or a job summary."""
    head = "✅ **ecokg validate: passed**" if report.ok else f"❌ **ecokg validate: {report.summary()}**"
    lines = [f"### {head}", ""]
    lines.append("| stage | checks | result | time |")
    lines.append("|---|---|---|---|")
    for stage in report.stages:
        mark = {"passed": "✅ passed", "failed": "❌ failed", "skipped": "⏭ skipped"}[stage.status]
        if stage.note:
            mark += f" ({stage.note})"
        lines.append(f"| {stage.name} | {_md_cell(STAGE_TITLES.get(stage.name))} | {mark} | {stage.seconds:.2f} s |")
    lines.append("")
    lines.append(f"Files: {', '.join(f'`{_relative_uri(f, root)}`' for f in report.files) or '(graph change)'}; "
                 f"{report.triples} triples; {report.seconds:.2f} s.")
    if report.problems:
        lines += ["", "| where | rule | problem | node | property | value | how to fix |", "|---|---|---|---|---|---|---|"]
        for p in report.problems:
            where = _relative_uri(p.file, root) + (f":{p.line}" if p.line else "")
            lines.append("| " + " | ".join(_md_cell(x) for x in (
                where, p.rule_id(), p.message, p.node, p.property, p.value, p.hint)) + " |")
    return "\n".join(lines) + "\n"


FORMATS = {
    "text": lambda report, root=None: format_text(report),
    "json": lambda report, root=None: format_json(report),
    "junit": lambda report, root=None: format_junit(report),
    "sarif": format_sarif,
    "github": format_github,
    "markdown": format_markdown,
}


def render(report: Report, fmt: str, root: Path | None = None) -> str:
    return FORMATS[fmt](report, root)
