"""The validation gate for new assertions, stage by stage.

Each stage has its module: `bytes` (encoding, control characters, size), `syntax` (strict parse,
serialisation per extension, behind `untrusted`'s guards), `vocabulary` (terms, namespaces, IRIs,
literals, no ontology edits; with `wellformed` and `known_terms`), `shacl` (shapes on the new nodes),
`evidence` (quotes in their sources), `owl` (OWL 2 RL by `owl_rl`, or HermiT) and `graph` (dangling
IRIs, duplicates, identity links). `context` holds the stored graph a change is checked against (read
through `view`) and the change, `report` the problems and their formats, `limits` what a run may
spend, `locate` the line numbers. The pipeline and the commands are `kg.validate`'s; checks of the
whole built graph (`ecokg check`) are `kg.checks`'.
"""
