#!/usr/bin/env bash
# A season on AWS Batch: register the job definition, submit the array job (one child per
# shard: AWS_BATCH_JOB_ARRAY_INDEX / AWS_BATCH_JOB_ARRAY_SIZE give `--shard auto` its slice),
# then the report job, which starts when every child has ended (dependsOn the array job).
#
#   deploy/aws-batch/submit.sh [SHARDS]
#
# Before: push the image (../../Dockerfile) and put its URI in job-definition.json, create an
# EFS file system holding in/season.txt and the products (its id in job-definition.json), and
# a job queue named s2cloud-queue on EC2 instances with 2 vCPU and 4 GiB per shard to spare.
# A child that fails (exit 1: a product failed and may succeed on retry; or killed: Spot
# reclaim, out of memory) is retried up to 4 times and resumes from its journal; a usage
# error (exit 2) is not retried. The journals and outputs go to /mnt/season/out on EFS.
set -euo pipefail
cd "$(dirname "$0")"
shards="${1:-8}"

aws batch register-job-definition --cli-input-json file://job-definition.json > /dev/null

array_id=$(aws batch submit-job --cli-input-json file://submit-array.json \
  --array-properties "size=${shards}" --query jobId --output text)
echo "array job ${array_id}: ${shards} shards"

sed "s/ARRAY_JOB_ID/${array_id}/" submit-report.json > "${TMPDIR:-/tmp}/s2cloud-report.json"
report_id=$(aws batch submit-job --cli-input-json "file://${TMPDIR:-/tmp}/s2cloud-report.json" \
  --query jobId --output text)
echo "report job ${report_id}: runs when the array job has ended"
