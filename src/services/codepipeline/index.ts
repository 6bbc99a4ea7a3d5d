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
 * - Not implemented (501): OverrideStageCondition,
 *   ListRuleExecutions, ListRuleTypes, UpdateActionType (Drydock has no third-party action types),
 *   Register/DeregisterWebhookWithThirdParty (no GitHub offline). Stage onFailure (ROLLBACK/RETRY
 *   act like FAIL), onSuccess/beforeEntry conditions and V2 triggers are stored, not applied;
 *   a stage is retried only through RetryStageExecution.
 * - PollForSourceChanges (absent or "true") polls CodeCommit and S3 sources once a minute of
 *   Drydock's clock; the execution's triggerDetail is the source action's name (Drydock's choice).
 *   Polling is never disabled for inactivity.
 * - GetPipeline's metadata has no pollingDisabledAt; there are no automated rollbacks (only
 *   RollbackStage's manual ones). ListActionExecutions treats latestInPipelineExecution like a
 *   pipelineExecutionId filter (every attempt of the execution's actions, newest first).
 * - Deleting a pipeline abandons its running executions' actions and removes the executions.
 * - Webhooks are recorded (PutWebhook answers a Drydock URL) but nothing serves that URL.
 * - A custom action nobody finishes within AWS's 24 hours of Drydock's clock fails (its job ends
 *   TimedOut) with Drydock's wording; Invoke Lambda jobs have no timeout. A job's
 *   artifactCredentials are the pipeline role's session at the time the job was created.
 * - ListDeployActionExecutionTargets answers no targets: only CodeDeploy and ECS deploy actions
 *   have them, and Drydock runs neither.
 * - Authorization: IAM identity policies decide (resource ARNs and iam:PassRole per AWS's reference);
 *   CodePipeline's condition keys and resource tags (aws:ResourceTag) are not evaluated.
 * - Structure validation covers stages, names, runOrder groups, artifact wiring, action types,
 *   their required configuration and artifact counts, namespaces and V1/V2 fields; messages are
 *   AWS's where known (artifact counts, unavailable action types), otherwise Drydock's wording
 *   under AWS's error codes.
 * - Restart: an execution's job resumes; finished actions are kept and in-progress ones run again
 *   with their provider's checkpoint (ctx.saved).
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
