#!/usr/bin/env bash
# On a push to main: did the pull request that brought this commit carry <label>? Prints
# allow_label=true or allow_label=false, and appends the same to GITHUB_OUTPUT when it is set.
# A commit without a pull request (workflow_dispatch, a direct push) never carries a label.
# Needs gh (on GitHub-hosted runners), GH_TOKEN (pull-requests: read), GITHUB_REPOSITORY, GITHUB_SHA.
# Usage: scripts/pipeline/merged-pr-label.sh <label>
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 <label>" >&2
  exit 2
fi
label=$1
result=false
if [ "${GITHUB_EVENT_NAME:-push}" = push ]; then
  labels=$(gh api "repos/$GITHUB_REPOSITORY/commits/$GITHUB_SHA/pulls" --jq '.[] | select(.merged_at != null) | .labels[].name')
  if printf '%s\n' "$labels" | grep -qxF -- "$label"; then
    result=true
    echo "::warning title=$label::the pull request of $GITHUB_SHA carries $label: the plan guard lets protected resources be replaced or destroyed"
  fi
fi
echo "allow_label=$result"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "allow_label=$result" >>"$GITHUB_OUTPUT"
fi
