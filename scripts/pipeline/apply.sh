#!/usr/bin/env bash
# Applies the saved plan <stack-dir>/plan.bin: exactly the plan that was reviewed, nothing newer.
# Terraform refuses a saved plan whose state changed after it was made ("Saved plan is stale":
# another deploy or a manual change came in between); then nothing is applied, and the way on is to
# plan again (re-run the workflow) and review the new plan.
# Usage: scripts/pipeline/apply.sh <stack-dir>
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 <stack-dir>" >&2
  exit 2
fi
stack_dir=$1
if [ ! -f "$stack_dir/plan.bin" ]; then
  echo "::error::$stack_dir/plan.bin not found: apply.sh applies a saved plan only" >&2
  exit 2
fi
cd "$stack_dir"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# The providers of the plan, no other: the lock file travelled with it.
terraform init -input=false -no-color -lockfile=readonly
if terraform apply -input=false -no-color -lock-timeout=5m plan.bin 2>&1 | tee "$log"; then
  exit 0
fi
if grep -q -e "Saved plan is stale" -e "Saved plan does not match the given state" "$log"; then
  echo "::error title=The reviewed plan is stale::the state of $stack_dir changed after this plan was made (another deploy, or a change outside this workflow); nothing was applied. Re-run the workflow to plan again, and review the new plan."
fi
exit 1
