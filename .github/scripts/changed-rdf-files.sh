#!/usr/bin/env bash
# Print the Turtle/TriG files the ECO-KG gate should validate, each followed by a NUL byte (nothing: none),
# so that every name reaches the gate whole (non-ASCII, spaces, newlines, a leading dash): read the list
# with `mapfile -d '' -t files` or `xargs -0`, and pass it after `--`.
# Used by action.yml and .github/workflows/validate.yml; run in the checked-out repository.
# Environment:
#   FILES_GLOB  space-separated globs; when set, exactly these files
#   BASE_SHA    a pull request's base commit: the files the pull request adds or changes
#   BEFORE_SHA  a push's previous commit: the files the push adds or changes
#   EXCLUDE     extended regular expression of paths never validated (e.g. ^ontology/)
# With none of them (a new branch, a first push, a manual run) every tracked .ttl/.trig file.
# Exit codes: 0 the list is printed; 2 a selected file is a symbolic link or lies under a folder linked out
# of the repository (each named on stderr, nothing printed): the gate would read whatever the link points at;
# anything else: git failed (e.g. an unknown commit), nothing printed.
set -euo pipefail
shopt -s globstar nullglob
zero=0000000000000000000000000000000000000000
candidates=$(mktemp)
trap 'rm -f "$candidates"' EXIT
# -z: names NUL-terminated and never quoted; T: a file changed into a symbolic link is listed, not skipped
if [ -n "${FILES_GLOB:-}" ]; then
  # shellcheck disable=SC2086  # the globs are meant to expand
  set -- $FILES_GLOB
  if [ "$#" -gt 0 ]; then printf '%s\0' "$@" > "$candidates"; fi
elif [ -n "${BASE_SHA:-}" ]; then
  git diff -z --name-only --diff-filter=ACMRT "$BASE_SHA"...HEAD -- '*.ttl' '*.trig' > "$candidates"
elif [ -n "${BEFORE_SHA:-}" ] && [ "$BEFORE_SHA" != "$zero" ] && git cat-file -e "${BEFORE_SHA}^{commit}" 2>/dev/null; then
  git diff -z --name-only --diff-filter=ACMRT "$BEFORE_SHA" HEAD -- '*.ttl' '*.trig' > "$candidates"
else
  git ls-files -z -- '*.ttl' '*.trig' > "$candidates"
fi
top=$(git rev-parse --show-toplevel 2>/dev/null || pwd)
top=$(cd -P -- "$top" && pwd -P)
selected=()
refused=0
while IFS= read -r -d '' name; do
  [[ $name =~ \.(ttl|trig)$ ]] || continue
  # bash's =~ matches the whole name: ^ and $ never stop at a newline inside it
  if [ -n "${EXCLUDE:-}" ] && [[ $name =~ $EXCLUDE ]]; then continue; fi
  if [ -L "$name" ]; then
    printf 'changed-rdf-files: %q is a symbolic link; the gate validates files, not links (replace it with the file itself)\n' "$name" >&2
    refused=1
    continue
  fi
  folder=.
  case $name in */*) folder=${name%/*} ;; esac
  # the x keeps a folder name's trailing newlines through the command substitution
  real=$(cd -P -- "$folder" 2>/dev/null && pwd -P && echo x) || real=$'\nx'
  real=${real%$'\nx'}
  if [ -n "$real" ] && [ "$real" != "$top" ] && [[ $real != "$top"/* ]]; then
    printf 'changed-rdf-files: %q lies under a symbolic link leading out of the repository, to %q\n' "$name" "$real" >&2
    refused=1
    continue
  fi
  selected+=("$name")
done < "$candidates"
if [ "$refused" -ne 0 ]; then
  echo "changed-rdf-files: nothing selected: a symbolic link among the files (exit code 2)" >&2
  exit 2
fi
if [ "${#selected[@]}" -gt 0 ]; then printf '%s\0' "${selected[@]}"; fi
