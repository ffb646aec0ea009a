#!/usr/bin/env bash
# Prints region=<the AWS region of the synthesized stack in <stack-dir>> (its provider's region), and
# appends it to GITHUB_OUTPUT when that is set: the region the job's AWS credentials are set up for.
# Usage: scripts/pipeline/stack-region.sh <stack-dir>
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 <stack-dir>" >&2
  exit 2
fi
region=$(node -e '
const tf = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const aws = [].concat((tf.provider || {}).aws || [])[0] || {};
if (!aws.region) { console.error(process.argv[1] + ": the aws provider has no region"); process.exit(1); }
console.log(aws.region);' "$1/cdk.tf.json")
echo "region=$region"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "region=$region" >>"$GITHUB_OUTPUT"
fi
