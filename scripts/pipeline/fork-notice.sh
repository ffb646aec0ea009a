#!/usr/bin/env bash
# Says, in the log and the job summary, why a pull request from a fork gets no plans: GitHub gives
# it no OIDC token (so it cannot assume the plan roles) and a read-only token (so no comment).
# Usage: scripts/pipeline/fork-notice.sh
set -euo pipefail
message="No plans for pull requests from forks: GitHub gives them no OIDC token, so they cannot assume the plan roles, and a read-only token, so they cannot comment. The tests ran. A maintainer can push the branch to this repository to plan it."
echo "::notice title=No plans for pull requests from forks::$message"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  echo "$message" >>"$GITHUB_STEP_SUMMARY"
fi
