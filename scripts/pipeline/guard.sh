#!/usr/bin/env bash
# Runs the plan guard on <stack-dir>/plan.json for <environment>, writes its result to
# <out-dir>/guard.json (what the pull-request comment reads), and adds the verdict and the plan
# to the job summary. Exit status: the guard's (0 ok or allowed, 1 blocked, 2 bad input).
# PLAN_GUARD_ALLOW_LABEL=true passes --allow-label (the pull request has the label allow-destructive-plan).
# Usage: scripts/pipeline/guard.sh <environment> <stack-dir> <out-dir>
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: $0 <environment> <stack-dir> <out-dir>" >&2
  exit 2
fi
environment=$1
mkdir -p "$3"
plan_json="$(cd "$2" && pwd)/plan.json"
out_dir=$(cd "$3" && pwd)
cd "$(dirname "$0")/../.."

args=("$plan_json" --environment "$environment" --result "$out_dir/guard.json")
if [ "${PLAN_GUARD_ALLOW_LABEL:-false}" = true ]; then
  args+=(--allow-label)
fi
status=0
node --import tsx scripts/plan-guard.ts "${args[@]}" || status=$?

if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$out_dir/guard.json" ]; then
  run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
  node --import tsx scripts/pr-comment.ts --title "Plan of $environment" --env "$environment=$out_dir" --run-url "$run_url" --commit "${GITHUB_SHA:-unknown}" >>"$GITHUB_STEP_SUMMARY"
fi
exit "$status"
