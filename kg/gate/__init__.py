"""The validation gate for new assertions, stage by stage.

Each module owns one stage: `bytes` (encoding, control characters, size), `syntax` (strict parse,
serialisation per extension), `vocabulary` (terms, namespaces, IRIs, literals, no ontology edits),
`shacl` (shapes on the new nodes), `evidence` (quotes in their sources), `owl` (HermiT consistency)
and `graph` (dangling IRIs, duplicates). `report` holds the problem model and output formats;
`context` the existing graph a change is checked against; `locate` finds line numbers. The pipeline and the commands live in
`kg.validate`; the rules of the graph as a whole (the `check` command) do not live here.
"""
