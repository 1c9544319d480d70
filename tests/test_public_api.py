"""What `import kg` offers is pinned: changing it is a deliberate, visible decision."""
import kg


def test_public_api_is_pinned():
    assert sorted(kg.__all__) == sorted([
        "BASE", "CLAIM", "DOMAIN", "ECO", "ID", "MODALITY", "PREFIXES", "SOURCE",
        "BuildError", "BuildResult", "EcoKGError", "EvidenceError", "LinkError", "NamedQuery", "QueryError",
        "SeedParseError", "Settings", "StoreError", "ValidationFailure",
        "build", "build_dataset", "find_query", "format_result", "load_dataset", "named_queries", "run_query",
        "__version__",
    ])
    for name in kg.__all__:
        assert hasattr(kg, name), name
