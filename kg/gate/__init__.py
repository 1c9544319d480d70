"""The validation gate for new assertions, stage by stage, each stage a module.

`bytes`, `syntax` (behind `untrusted`), `destructive` (what an update takes away), `vocabulary` (with
`wellformed`, `known_terms`), `shacl` (with `shapes`, derived from the ontology), `evidence`, `owl` (`owl_rl`
or HermiT), `graph` (with `facts`); `context` holds the stored graph (read through `view`) and the change,
`report` the problems, `limits` what a run may spend, `locate` line numbers. The pipeline is `kg.validate`'s.
"""
