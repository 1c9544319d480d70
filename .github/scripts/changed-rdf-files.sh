#!/usr/bin/env bash
# Print the Turtle/TriG files the ECO-KG gate should validate, one per line (nothing: none).
# Used by action.yml and .github/workflows/validate.yml; run in the checked-out repository.
# Environment:
#   FILES_GLOB  space-separated globs; when set, exactly these files
#   BASE_SHA    a pull request's base commit: the files the pull request adds or changes
#   BEFORE_SHA  a push's previous commit: the files the push adds or changes
#   EXCLUDE     extended regular expression of paths never validated (e.g. ^ontology/)
# With none of them (a new branch, a first push, a manual run) every tracked .ttl/.trig file.
set -euo pipefail
shopt -s globstar nullglob
zero=0000000000000000000000000000000000000000
if [ -n "${FILES_GLOB:-}" ]; then
  # shellcheck disable=SC2086  # the globs are meant to expand
  selected=$(printf '%s\n' $FILES_GLOB)
elif [ -n "${BASE_SHA:-}" ]; then
  selected=$(git diff --name-only --diff-filter=ACMR "$BASE_SHA"...HEAD -- '*.ttl' '*.trig')
elif [ -n "${BEFORE_SHA:-}" ] && [ "$BEFORE_SHA" != "$zero" ] && git cat-file -e "${BEFORE_SHA}^{commit}" 2>/dev/null; then
  selected=$(git diff --name-only --diff-filter=ACMR "$BEFORE_SHA" HEAD -- '*.ttl' '*.trig')
else
  selected=$(git ls-files -- '*.ttl' '*.trig')
fi
if [ -n "${EXCLUDE:-}" ]; then
  selected=$(printf '%s\n' "$selected" | grep -Ev -- "$EXCLUDE" || true)
fi
printf '%s\n' "$selected" | grep -E '\.(ttl|trig)$' || true
