#!/usr/bin/env bash
# Plans one synthesized stack against its real backend (state and lock in S3, or wherever the stack's
# backend says) and leaves:
#   <stack-dir>/plan.bin, <stack-dir>/plan.json  the saved plan and its JSON: both hold the state's
#                                                secrets in clear, so never upload them as they are
#   <out-dir>/plan.txt                           terraform show -no-color (sensitive values redacted)
#   <out-dir>/error.txt                          only when init or plan failed: what terraform said
# Usage: scripts/pipeline/plan.sh <stack-dir> <out-dir>    (e.g. cdktf.out/stacks/dev plan-out/dev)
# Extra arguments can come from TF_CLI_ARGS_init and TF_CLI_ARGS_plan (the tests, offline, pass
# -plugin-dir and -refresh=false that way).
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 <stack-dir> <out-dir>" >&2
  exit 2
fi
stack_dir=$1
mkdir -p "$2"
out_dir=$(cd "$2" && pwd)
if [ ! -f "$stack_dir/cdk.tf.json" ]; then
  echo "::error::$stack_dir/cdk.tf.json not found: run npm run synth first" >&2
  exit 2
fi
cd "$stack_dir"
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
rm -f "$out_dir/error.txt" "$out_dir/plan.txt" plan.bin plan.json
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# step <name> <terraform arguments...>: runs terraform, shows its output, and on failure keeps it in error.txt.
step() {
  local name=$1
  shift
  echo "::group::terraform $name"
  if terraform "$@" 2>&1 | tee "$log"; then
    echo "::endgroup::"
    return 0
  fi
  echo "::endgroup::"
  # terraform writes an errored plan to -out as well: never leave one behind to be applied.
  rm -f plan.bin plan.json
  { echo "terraform $name failed in $stack_dir:"; echo; cat "$log"; } >"$out_dir/error.txt"
  echo "::error title=terraform $name failed::see the log of this step (also error.txt in the plan artifact)"
  exit 1
}

step init init -input=false -no-color
# The lock: wait up to 5 minutes for another plan or apply of this environment to finish.
step plan plan -input=false -no-color -lock-timeout=5m -out=plan.bin
terraform show -json plan.bin >plan.json
{
  # A plan without refresh (TF_CLI_ARGS_plan=-refresh=false, the repository variable PR_PLAN_REFRESH=false)
  # compares the configuration with the last state only: say so above the plan, where reviewers look.
  case " ${TF_CLI_ARGS_plan:-} " in
    *" -refresh=false "*) echo "Planned without refresh (-refresh=false): changes made outside Terraform are not shown; the deploy's plan refreshes."; echo ;;
  esac
  terraform show -no-color plan.bin
} >"$out_dir/plan.txt"
echo "plan.sh: $stack_dir/plan.bin and plan.json written; $out_dir/plan.txt"
