/**
 * CodeBuild: projects, and builds that really run their buildspec in a sandbox (bubblewrap or
 * unshare namespaces, see core/executor.ts), with phases, logs to CloudWatch Logs, artifacts and
 * cache in S3, reports, events, reserved-capacity fleets whose capacity queues builds, and debug
 * sandboxes whose commands really run in a long-lived shell session.
 *
 * Gaps against AWS:
 * - No container execution: no Docker engine runs here, so builds run on the host in one
 *   sandboxed shell session per build (read-only host, the data directory hidden, own /tmp and PID
 *   namespace; a plain child process with a warning where no sandbox works).
 *   The environment image is recorded, not pulled; builds use the host's runtimes. HOME is a
 *   writable directory of the build's own (not writable by a run-as user).
 * - runtime-versions: the host is the image, with one version per runtime, the one its tool on the
 *   build's PATH reports (`node`, `python3`, `ruby`, `php`, `go`, `java`, `dotnet`; probed once and
 *   cached). A version the host satisfies by AWS's rules (`20`, `20.x`, `latest`; `$VAR` expanded)
 *   runs and the log names the exact version. By default a version or runtime the host lacks fails
 *   DOWNLOAD_SOURCE with YAML_FILE_ERROR, AWS's "Unknown runtime version named '18' of nodejs. This
 *   build image has the following versions: 20" (or "Unknown runtime named …"), as AWS fails one its
 *   image lacks; DRYDOCK_RUNTIME_VERSIONS=host runs such builds on the host's versions instead and
 *   logs what was asked for and what runs. Nothing is installed or switched (AWS's images switch
 *   versions with n, pyenv …; Drydock has only the host's one).
 * - Log links point at Drydock, where AWS links its console: a build's `logs.deepLink` and
 *   `logs.s3DeepLink` are `<endpoint>/_drydock/codebuild/builds/<url-encoded id>#logs`, a sandbox
 *   session's `…/sandboxes/<id>#logs`: a small HTML page (pages/run-pages.ts) with the status, the
 *   phases and the last 500 log lines (from CloudWatch Logs, or the S3 log object once written),
 *   served without credentials to whoever reaches Drydock's port.
 * - `run-as` switches users with setpriv (util-linux) only when Drydock runs as root; otherwise a
 *   run-as naming another user fails its phase with CLIENT_ERROR saying Drydock must run as root
 *   (an unknown user: "run-as user <name> does not exist", Drydock's wording). The user is granted
 *   read and execute permission on the work directory and sources, as AWS grants it, nothing more
 *   (in the sandbox its /tmp may be writable by root only).
 * - Unknown buildspec keys are ignored, as AWS's decoder ignores them, and told in the build log
 *   with their line and column. `proxy` and `git-credential-helper` are parsed only.
 * - Each command runs in the build's long-lived shell with the previous command's exported
 *   variables and directory, as AWS's agent does; a command that kills the session restarts it
 *   with its state. Without a sandbox a process detached with `setsid` can outlive StopBuild.
 * - Service-role credentials come from a real STS AssumeRole, last the build timeout (capped by the
 *   role's MaxSessionDuration) and are never refreshed.
 * - Webhooks (Create/Update/DeleteWebhook) answer 501: GitHub, Bitbucket and GitLab cannot be reached
 *   offline, and builds with those sources fail in DOWNLOAD_SOURCE saying so. Badges are recorded without a badgeRequestUrl; PUBLIC_READ
 *   visibility is recorded, nothing is served publicly; ListShared* are empty (no RAM); resource
 *   policies are evaluated (a policy can let another account act on a project), but the handlers
 *   read the caller's own account only; vpcConfig and fileSystemLocations are recorded only.
 * - Reserved-capacity fleets are records plus real capacity: a build on a fleet holds one of its
 *   baseCapacity slots from PROVISIONING to FINALIZING; when all are taken it waits in QUEUED
 *   (overflowBehavior QUEUE) or runs anyway without a slot (ON_DEMAND). No separate machines exist:
 *   fleet builds run on this host like any other, under the same global limit; computeType,
 *   computeConfiguration, imageId, vpcConfig, proxyConfiguration and fleetServiceRole (checked as a
 *   role CodeBuild can assume) are recorded only, and scalingConfiguration is recorded with
 *   desiredCapacity = baseCapacity (never scales). CreateFleet answers CREATING, every later read
 *   ACTIVE; UpdateFleet applies at once (never UPDATING or ROTATING); DeleteFleet removes the fleet
 *   at once (no PENDING_DELETION) and, Drydock's choice where AWS documents nothing, refuses while a
 *   project names the fleet; builds already queued on a deleted fleet run on demand. No fleet quota
 *   (AccountLimitExceededException) is enforced. Projects and fleetOverride name a fleet by its exact
 *   ARN in the caller's account and region (no sharing); a project's environment type and compute
 *   type are not checked against its fleet's. Batch builds run on the project's fleet and
 *   restrictions.fleetsAllowed (names or ARNs) is enforced, but a batch buildspec cannot pick a fleet
 *   per build (`fleet` in a batch env fails the batch).
 * - Sandboxes (sandboxes.ts, sandbox-runner.ts) are provisioned as builds are, from the project as it
 *   is at StartSandbox: same queue and limits (the global limit, the project's concurrentBuildLimit
 *   and its fleet's capacity, each sandbox holding one slot from PROVISIONING until it ends; AWS
 *   documents no sandbox limits), service-role credentials, DOWNLOAD_SOURCE of the project's
 *   sources, the project's environment variables with Parameter Store and Secrets Manager values
 *   masked; the buildspec is not read (neither its phases nor its env section). Then one shell
 *   session stays open in CODEBUILD_SRC_DIR (CODEBUILD_BUILD_ID/ARN are the sandbox's) until
 *   StopSandbox or timeoutInMinutes, which kill its whole process tree. Session phases are AWS's:
 *   SUBMITTED, QUEUED, PROVISIONING, DOWNLOAD_SOURCE, RUN_SANDBOX (AWS's guide also writes
 *   RUNNING_SANDBOX once), COMPLETED. AWS documents the statuses QUEUED, STOPPING and STOPPED only;
 *   Drydock adds PROVISIONING (PROVISIONING and DOWNLOAD_SOURCE), RUNNING (RUN_SANDBOX) and FAILED
 *   (a phase failed, or Drydock restarted under the sandbox: BUILD_INTERRUPTED, as for builds). A
 *   timed-out sandbox ends STOPPED with RUN_SANDBOX TIMED_OUT (BUILD_TIMED_OUT), as AWS's sample
 *   shows. StopSandbox answers once the sandbox has ended (or STOPPING after 2 s) and, as StopBuild,
 *   refuses a sandbox that has already ended (Drydock's wording). No sandbox quota or
 *   AccountLimitExceededException; events are not published for sandboxes.
 * - Command executions run one at a time in submission order in the sandbox's session (directory
 *   and exports carry over, as in builds); commands submitted while the sandbox is QUEUED or
 *   PROVISIONING wait for it, and a sandbox that is STOPPING or ended refuses them with
 *   InvalidInputException (Drydock's wording). Statuses: SUBMITTED, IN_PROGRESS, SUCCEEDED or FAILED
 *   (with exitCode), and STOPPED / TIMED_OUT (no exitCode) for commands killed or never run because
 *   the sandbox ended, FAILED when it could not start or Drydock restarted. Standard output and
 *   standard error are recorded apart (standard error is redirected to a file of the command's own)
 *   with secrets masked, each cut at 1 MiB; the log (the session's stream, which `logs` names) has
 *   the standard output as printed and the standard error (its first MiB) after the command. A command execution's
 *   sandboxId is the full sandbox id (AWS's samples show only its uuid part). BatchGetCommandExecutions
 *   lists every id as not found for an unknown sandbox (the operation has no ResourceNotFoundException).
 *   Lists are newest first by default, as AWS's samples show.
 * - StartSandboxConnection answers 501: it returns an SSM Session Manager session (sessionId,
 *   streamUrl, tokenValue), and Drydock has no Session Manager to connect to.
 * - ListCuratedEnvironmentImages is a fixed copy of AWS's catalog.
 * - Caches: absolute cache paths outside the build's work directory are skipped with a log line;
 *   cache keys expand `$VAR` only (no `codebuild-hash-files`); LOCAL_DOCKER_LAYER_CACHE does nothing.
 *   Artifacts are never encrypted (encryptionDisabled is reported back). S3 sources get no
 *   resolvedSourceVersion (AWS documents none). A CODEPIPELINE source or artifact reads or writes
 *   the `bucket/key` CodePipeline passes (sourceLocationOverride, artifactsOverride.location).
 * - Batch builds: no build-fanout (the batch fails saying so), no separate DOWNLOAD_SOURCE build,
 *   combineArtifacts and batchReportMode recorded only, matrix builds named build1…buildN, groups not
 *   yet started have no build ARN, child builds use the project's service role.
 * - Reports: stored when complete (never GENERATING); export encryption settings are stored, not
 *   applied; the 5-report-groups-per-project limit is not enforced; report files are parsed on the
 *   server's event loop.
 * - Queueing is Drydock's: a global limit of running builds (DRYDOCK_CODEBUILD_CONCURRENCY, default
 *   2 × CPUs) and of queued builds per account and region (DRYDOCK_CODEBUILD_MAX_QUEUED_BUILDS,
 *   default 1000). A Drydock restart fails running builds with BUILD_INTERRUPTED ("Drydock restarted
 *   while the build was running"); queued builds run after the restart. `/_drydock/reset` stops
 *   running and queued builds and sandboxes before it deletes their records. debugSessionEnabled,
 *   reportBuildStatus and buildStatusConfig are recorded only.
 * - Some messages and codes where AWS's wording is undocumented are Drydock's own (noted in the
 *   handlers).
 */
import { parseArn } from '../../core/arn.js';
import { loadModel } from '../../protocol/model.js';
import { bindOperations } from '../bind.js';
import type { ServiceDefinition } from '../contracts.js';
import { codeBuildAuthorization } from './authorization.js';
import { createContext } from './common.js';
import { BatchOrchestrator } from './engine/batch-orchestrator.js';
import { BuildRunner } from './engine/runner.js';
import { SandboxRunner } from './engine/sandbox-runner.js';
import { batchOperations } from './handlers/batches.js';
import { BuildStarts, globalBuildLimit } from './handlers/build-start.js';
import { buildOperations } from './handlers/builds.js';
import type { HandlerContext } from './handlers/common.js';
import { fleetOperations } from './handlers/fleets.js';
import { projectOperations } from './handlers/projects.js';
import { reportOperations } from './handlers/reports.js';
import { resourcePolicyOperations } from './handlers/resource-policies.js';
import { sandboxOperations } from './handlers/sandboxes.js';
import { sourceCredentialOperations } from './handlers/source-credentials.js';
import { PAGES_PREFIX } from './names.js';
import { runPagesHandler } from './pages/run-pages.js';

/*
 * Layout and its rule (test/layering.test.ts checks it): handlers/ holds the operations, one file
 * per resource; engine/ what does things (runners, sandboxes, sources, artifacts, cache, logs,
 * events); buildspec/ the buildspec reader; reports/ report collection and parsers; store/ the
 * tables; pages/ the HTML pages of builds and sandboxes the log links point at. The engine never
 * imports handlers: it uses store/, buildspec/, reports/ and the shared files at this folder's root
 * (common.ts, names.ts, glob.ts). Only this file wires them together.
 */
export const codebuild: ServiceDefinition = {
  name: 'codebuild',
  model: loadModel('codebuild'),
  validationError: 'InvalidInputException',
  authorization: codeBuildAuthorization,
  // The pages of builds and sandboxes their log links point at (pages/run-pages.ts).
  httpPrefix: PAGES_PREFIX,
  create(rt) {
    const context = createContext(rt);
    const runner = new BuildRunner(context, { globalLimit: globalBuildLimit() });
    const starter = new BuildStarts(context, runner);
    const c: HandlerContext = {
      ...context,
      runner,
      starter,
      // Sandboxes share the build runner's slots, timeouts, reset and shutdown.
      sandboxRunner: new SandboxRunner(context, runner),
      orchestrator: new BatchOrchestrator(context, starter),
    };
    return {
      handlers: bindOperations(c, {
        ...projectOperations,
        ...sourceCredentialOperations,
        ...resourcePolicyOperations,
        ...fleetOperations,
        ...reportOperations,
        ...buildOperations,
        ...batchOperations,
        ...sandboxOperations,
      }),
      handleHttp: runPagesHandler(context),
      // A project's or report group's policy (PutResourcePolicy), in the account and Region its ARN names.
      resourcePolicy(arn) {
        const parts = parseArn(arn);
        const document = parts && c.stores.projects.resourcePolicy({ account: parts.account, region: parts.region }, arn);
        return document === undefined || !parts ? undefined : { document, account: parts.account };
      },
      // Both end every running or queued build and sandbox (they are all the build runner's).
      stop: () => runner.close(),
      reset: () => runner.stopAll(),
    };
  },
};
