#!/usr/bin/env bash
# Checks what a job needs before it asks AWS for anything, and says what to fix:
#   --ref <ref>            the workflow runs on this ref (deploys run from refs/heads/main only)
#   --var <NAME> <value>   the repository variable NAME is set (pass its value through env, not ${{ }} in the script)
# Usage: scripts/pipeline/preflight.sh [--ref refs/heads/main] [--var DEV_DEPLOY_ROLE_ARN "$ROLE_ARN"]...
set -euo pipefail
usage() {
  echo "usage: $0 [--ref <ref>] [--var <NAME> <value>]..." >&2
  exit 2
}
failed=0
while [ $# -gt 0 ]; do
  case "$1" in
    --ref)
      [ $# -ge 2 ] || usage
      if [ "${GITHUB_REF:-}" != "$2" ]; then
        echo "::error title=Wrong ref::this workflow deploys from $2 only; it runs on ${GITHUB_REF:-(unknown ref)}"
        failed=1
      fi
      shift 2
      ;;
    --var)
      [ $# -ge 3 ] || usage
      if [ -z "$3" ]; then
        echo "::error title=Repository variable $2 is not set::set it under Settings > Secrets and variables > Actions > Variables (README: Pipelines (GitHub Actions))"
        failed=1
      fi
      shift 3
      ;;
    *) usage ;;
  esac
done
exit "$failed"
