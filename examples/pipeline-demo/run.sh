#!/usr/bin/env bash
# The pipeline demo, end to end against a running Drydock (AWS_ENDPOINT_URL, default
# http://localhost:4566), with nothing but the aws CLI and git:
#   1. deploys pipeline.yaml (repository, CodeBuild project, validator function, pipeline, push rule);
#   2. pushes the app to main: the push starts the pipeline; the script prints every stage's status
#      as it changes, approves the Approve stage, and waits until the app's stack is deployed and the
#      validating Lambda has passed;
#   3. pushes a commit with a failing unit test: the pipeline stops at Build, and the script prints
#      the test report CodeBuild stored.
# Exits 0 when both went as described.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL:-http://localhost:4566}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-test} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-test}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
name=${DEMO_NAME:-pipeline-demo}
poll_seconds=${DEMO_POLL_SECONDS:-1}
give_up_at=$(($(date +%s) + ${DEMO_TIMEOUT_SECONDS:-900}))

say() { printf '\n== %s\n' "$*"; }
wait_a_little() {
  [ "$(date +%s)" -lt "$give_up_at" ] || { echo "gave up waiting after ${DEMO_TIMEOUT_SECONDS:-900} s" >&2; exit 1; }
  sleep "$poll_seconds"
}

say "Deploying the pipeline stack $name-pipeline"
aws cloudformation deploy --stack-name "$name-pipeline" --template-file "$here/pipeline.yaml" \
  --capabilities CAPABILITY_IAM --parameter-overrides "RepositoryName=$name" --no-fail-on-empty-changeset
account=$(aws sts get-caller-identity --query Account --output text)

# The account's root keys are a Git login Drydock accepts (see the README's CodeCommit section).
remote="${AWS_ENDPOINT_URL/:\/\//://$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY@}/v1/repos/$name"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$here/app/." "$work/"
git -C "$work" init -q -b main
git -C "$work" add -A
git -C "$work" -c user.name="Pipeline demo" -c user.email=demo@example.com commit -q -m "The greeting app"

latest_execution() {
  aws codepipeline list-pipeline-executions --pipeline-name "$name" --max-results 1 \
    --query 'pipelineExecutionSummaries[0].pipelineExecutionId' --output text
}

# Pushes, finds the execution the push started, and prints each stage's status of that execution as
# it changes, approving the manual approval on the way. Prints the execution's final status.
push_and_watch() {
  local before execution state shown='' stage status stage_status stage_execution token
  before=$(latest_execution)
  git -C "$work" push -q "$remote" main
  execution=$before
  while [ "$execution" = "$before" ]; do wait_a_little; execution=$(latest_execution); done
  echo "push started execution $execution" >&2
  while :; do
    # The status first, then the stages: the last round shows every stage of a finished execution.
    status=$(aws codepipeline get-pipeline-execution --pipeline-name "$name" --pipeline-execution-id "$execution" \
      --query 'pipelineExecution.status' --output text)
    state=$(aws codepipeline get-pipeline-state --name "$name" --output text \
      --query 'stageStates[].[stageName, latestExecution.status || `-`, latestExecution.pipelineExecutionId || `-`]')
    while read -r stage stage_status stage_execution; do
      [ "$stage_execution" = "$execution" ] || continue
      case $shown in *"|$stage:$stage_status|"*) continue ;; esac
      shown="$shown|$stage:$stage_status|"
      printf '  %-9s %s\n' "$stage" "$stage_status" >&2
      if [ "$stage" = Approve ] && [ "$stage_status" = InProgress ]; then
        token=$(aws codepipeline get-pipeline-state --name "$name" --output text \
          --query "stageStates[?stageName=='Approve'].actionStates[0].latestExecution.token")
        aws codepipeline put-approval-result --pipeline-name "$name" --stage-name Approve --action-name Release \
          --token "$token" --result 'summary=Approved by run.sh,status=Approved' > /dev/null
        echo "  Approve   approved by run.sh" >&2
      fi
    done <<< "$state"
    case $status in InProgress | Stopping) wait_a_little ;; *) echo "$execution $status"; return ;; esac
  done
}

say "Pushing the app to main"
read -r execution status < <(push_and_watch)
echo "Execution $execution: $status"
[ "$status" = Succeeded ] || { echo "expected the first execution to succeed" >&2; exit 1; }
stack_status=$(aws cloudformation describe-stacks --stack-name "$name-app" --query 'Stacks[0].StackStatus' --output text)
function_name=$(aws cloudformation describe-stacks --stack-name "$name-app" --output text \
  --query "Stacks[0].Outputs[?OutputKey=='FunctionName'].OutputValue")
answer=$(aws codepipeline list-action-executions --pipeline-name "$name" --filter "pipelineExecutionId=$execution" --output text \
  --query "actionExecutionDetails[?actionName=='InvokeApp'].output.outputVariables.Answer")
echo "Stack $name-app: $stack_status; function $function_name answered \"$answer\" to the validator"

say "Pushing a commit whose unit test fails"
sed -i.orig "s/'Hello, Ada!'/'Goodbye, Ada!'/" "$work/test/greeting.test.mjs" && rm "$work/test/greeting.test.mjs.orig"
git -C "$work" -c user.name="Pipeline demo" -c user.email=demo@example.com commit -q -am "A test that fails"
read -r execution status < <(push_and_watch)
echo "Execution $execution: $status"
build_error=$(aws codepipeline get-pipeline-state --name "$name" --output text \
  --query "stageStates[?stageName=='Build'].actionStates[0].latestExecution.errorDetails.message")
echo "Build: $build_error"
report=$(aws codebuild list-reports-for-report-group --output text --sort-order DESCENDING \
  --report-group-arn "arn:aws:codebuild:$AWS_DEFAULT_REGION:$account:report-group/$name-build-unit" --query 'reports[0]')
echo "Test report $report:"
aws codebuild describe-test-cases --report-arn "$report" --output text --query 'testCases[].[status, name]' | sed 's/^/  /'
aws codebuild describe-test-cases --report-arn "$report" --output text --query "testCases[?status=='FAILED'].message | [0]" | head -4 | sed 's/^/    /'
[ "$status" = Failed ] || { echo "expected the second execution to fail at Build" >&2; exit 1; }
