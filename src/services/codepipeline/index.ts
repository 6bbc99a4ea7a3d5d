/**
 * CodePipeline: pipelines (V1 and V2, versioned) whose executions really run: each execution is a
 * durable job that walks the stages in order, runs each stage's actions by runOrder through the
 * built-in action providers (actions/) or, for custom action types, through job workers
 * (PollForJobs … PutJobSuccessResult), acting as the pipeline's service role assumed through STS,
 * with artifacts as zips in the artifact store bucket and `#{…}` variables resolved.
 *
 * Gaps against AWS:
 * - Action types Drydock has no provider for (CodeDeploy, ECS, Elastic Beanstalk, Step Functions,
 *   Device Farm, CodeStarSourceConnection …) are valid structure, as AWS accepts them, but their
 *   actions fail when they run with "Drydock has no provider for action type <category>/<owner>/<provider>/<version>".
 *   CodeConnections (external Git hosts) cannot be reached offline.
 * - V2 triggers are validated as AWS does (a CodeStarSourceConnection source action, one trigger per
 *   action, tags XOR branches with file paths) and stored, but never fire: AWS applies them only to
 *   CodeConnections sources.
 * - Execution modes: SUPERSEDED (one execution per stage; an older execution waiting at a stage's
 *   entrance is superseded by a newer one arriving there), QUEUED (one per stage, in arrival
 *   order) and PARALLEL (no waiting). A superseded execution never interrupts an action already
 *   running.
 * - Not implemented (501): UpdateActionType (Drydock has no third-party action types),
 *   Register/DeregisterWebhookWithThirdParty (no GitHub offline).
 * - Stage conditions (V2 only) run their rules: VariableCheck, LambdaInvoke (the function gets the
 *   Invoke action's job event and answers with its job results: AWS documents no other contract for
 *   rule functions), CodeBuild (the CodeBuild test action's build) and DeploymentWindow (Quartz cron
 *   in a time zone, waiting on Drydock's clock). CloudWatchAlarm rules always fail, saying so:
 *   Drydock has no CloudWatch alarms. Commands rules are valid structure but fail when they run
 *   ("Drydock has no provider for rule type …"), and ListRuleTypes does not list them. Entry
 *   conditions are evaluated once the execution has entered the stage; a failure condition engages
 *   its result when its rules pass. A stop request, even one that lets running actions finish,
 *   abandons the rules of a condition in progress (Drydock's choice: AWS does not say).
 *   OverrideStageCondition never answers NotLatestPipelineExecutionException or
 *   ConcurrentPipelineExecutionsLimitExceededException. Rule executions publish no events (AWS
 *   documents none). Messages of condition structure errors and rule failures are Drydock's wording.
 * - onFailure RETRY retries the stage once by itself (AWS allows one automatic attempt); ROLLBACK
 *   starts an execution of type ROLLBACK (trigger AutomatedRollback; its triggerDetail, the failed
 *   execution's id, is Drydock's choice) with the last standard execution that succeeded in the
 *   stage on the current pipeline version; without one the stage just stays failed.
 * - PollForSourceChanges (absent or "true") polls CodeCommit and S3 sources once a minute of
 *   Drydock's clock; the execution's triggerDetail is the source action's name (Drydock's choice).
 *   A pipeline with no execution started for 30 days stops polling, and GetPipeline's
 *   metadata.pollingDisabledAt shows its last start plus 30 days; an execution started later (by
 *   hand, a rule, PutActionRevision) resumes it (Drydock's choice: AWS documents no way back).
 * - ListActionExecutions and ListRuleExecutions treat latestInPipelineExecution like a
 *   pipelineExecutionId filter (every attempt of the execution's actions or rules, newest first).
 * - Deleting a pipeline abandons its running executions' actions and removes the executions.
 * - Webhooks are recorded (PutWebhook answers a Drydock URL) but nothing serves that URL.
 * - A custom action nobody finishes within AWS's 24 hours of Drydock's clock fails (its job ends
 *   TimedOut) with Drydock's wording. An Invoke Lambda job the function has not answered within 20
 *   minutes fails the action with AWS's message (each continuation token starts a new 20 minutes);
 *   one still running after 24 hours fails with Drydock's wording. A job's
 *   artifactCredentials are the pipeline role's session at the time the job was created.
 * - ListDeployActionExecutionTargets answers no targets: only CodeDeploy and ECS deploy actions
 *   have them, and Drydock runs neither.
 * - PutActionRevision refuses an action that is not a source action (ValidationException, Drydock's
 *   wording); a new revision starts an execution (trigger PutActionRevision) that fetches exactly it
 *   for CodeCommit (COMMIT_ID) and S3 (S3_OBJECT_VERSION_ID) sources; a revision an execution
 *   already used, or the last one polling or PutActionRevision saw, is not new.
 * - Authorization: IAM identity policies decide (resource ARNs and iam:PassRole per AWS's reference);
 *   CodePipeline's condition keys and resource tags (aws:ResourceTag) are not evaluated.
 * - Structure validation covers stages, names, runOrder groups, artifact wiring, action types,
 *   their required configuration and artifact counts, namespaces and V1/V2 fields; messages are
 *   AWS's where known (artifact counts, unavailable action types), otherwise Drydock's wording
 *   under AWS's error codes.
 * - Restart: an execution's job resumes; finished actions and rules are kept and in-progress ones
 *   run again with their provider's checkpoint (ctx.saved); an override recorded meanwhile holds.
 */
import { loadModel } from '../../protocol/model.js';
import type { ServiceDefinition } from '../contracts.js';
import { codePipelineAuthorization } from './authorization.js';
import { type CodePipelineContext, registerContext, Wakeups } from './common.js';
import { PipelineEngine } from './engine/runner.js';
import { createHandlers } from './handlers/index.js';
import { SourcePoller } from './polling.js';
import { CodePipelineStore } from './store.js';

export const codepipeline: ServiceDefinition = {
  name: 'codepipeline',
  model: loadModel('codepipeline'),
  validationError: 'ValidationException',
  authorization: codePipelineAuthorization,
  unimplemented: {
    RegisterWebhookWithThirdParty: 'Registering a webhook with GitHub needs GitHub, which cannot be reached offline',
    DeregisterWebhookWithThirdParty: 'Deregistering a webhook from GitHub needs GitHub, which cannot be reached offline',
    UpdateActionType:
      "It changes action types registered with AWS's integration model (owner ThirdParty), which only AWS registers: Drydock has none (custom action types are CreateCustomActionType's)",
  },
  create(rt) {
    const context: CodePipelineContext = { rt, store: new CodePipelineStore(rt.store), wakeups: new Wakeups(), artifactCredentials: new Map() };
    registerContext(context);
    const engine = new PipelineEngine(context);
    const poller = new SourcePoller({ ...context, engine });
    return { handlers: createHandlers({ ...context, engine }), start: () => poller.start(), stop: () => poller.stop() };
  },
};
