/** The usage text of drydock and of each of its commands (`drydock <command> [<sub>] --help`). */
import { VERSION } from '../version.js';

/** Who reads a variable: `drydock start` (the server), or the commands that call a running Drydock. */
type Reader = 'server' | 'client';

/** Every environment variable Drydock reads, and what for. */
const ENVIRONMENT: { names: string; readers: Reader[]; meaning: string }[] = [
  { names: 'DRYDOCK_PORT', readers: ['server', 'client'], meaning: 'port drydock start listens on (default 4566; 0 picks a free one); the other commands call http://localhost:$DRYDOCK_PORT' },
  { names: 'DRYDOCK_HOST', readers: ['server'], meaning: 'address drydock start binds (default 0.0.0.0, every interface; 127.0.0.1 keeps Drydock to this machine)' },
  { names: 'DRYDOCK_DATA_DIR', readers: ['server'], meaning: 'where drydock start keeps its state (default ./.drydock)' },
  { names: 'DRYDOCK_LOG_LEVEL', readers: ['server'], meaning: 'trace, debug, info (default), warn, error, fatal or silent; logs are JSON lines on stderr' },
  { names: 'DRYDOCK_TIME_SCALE', readers: ['server'], meaning: 'Drydock seconds per real second (default 1; 60 turns a 10-minute wait into 10 s)' },
  { names: 'DRYDOCK_DURABILITY', readers: ['server'], meaning: 'process (default): acknowledged writes survive kill -9; power: they also survive losing the machine (fsync per commit)' },
  { names: 'DRYDOCK_CODEBUILD_CONCURRENCY', readers: ['server'], meaning: 'CodeBuild builds running at once (default 2 x CPUs); more wait in QUEUED' },
  { names: 'DRYDOCK_CODEBUILD_MAX_QUEUED_BUILDS', readers: ['server'], meaning: 'builds queued or running per account and region before StartBuild refuses (default 1000)' },
  {
    names: 'DRYDOCK_RUNTIME_VERSIONS',
    readers: ['server'],
    meaning: "aws (default): a build asking for a runtime version this host lacks fails, as AWS fails one its image lacks; host: it runs on the host's version and says so",
  },
  {
    names: 'DRYDOCK_PYTHON',
    readers: ['server'],
    meaning: "the python3 that expands SAM templates (AWS::Serverless-2016-10-31) with AWS's aws-sam-translator package (default python3 on PATH)",
  },
  { names: 'AWS_ENDPOINT_URL', readers: ['client'], meaning: 'the Drydock the other commands call (default http://localhost:$DRYDOCK_PORT); --endpoint wins' },
  {
    names: 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN',
    readers: ['client'],
    meaning: 'credentials drydock aws and builds sign with (default test / test: the root user of account 000000000000; a twelve-digit key id with secret test is the root of that account)',
  },
  { names: 'AWS_REGION, AWS_DEFAULT_REGION', readers: ['client'], meaning: 'region drydock aws and builds call (default us-east-1)' },
];

const WIDTH = 100;

/** Words of `text` in lines no wider than WIDTH, each after `indent`. */
function wrap(text: string, indent: string): string[] {
  const lines = [indent];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (lines[last] !== indent && lines[last].length + 1 + word.length > WIDTH) lines.push(indent + word);
    else lines[last] += lines[last] === indent ? word : ` ${word}`;
  }
  return lines;
}

function environment(readers: Reader[]): string {
  const lines = ENVIRONMENT.filter((v) => v.readers.some((r) => readers.includes(r))).flatMap((v) => [`  ${v.names}`, ...wrap(v.meaning, '      ')]);
  return `Environment (flags win over it):\n${lines.join('\n')}\n`;
}

const CLIENT_OPTIONS = `  --endpoint URL    the Drydock to call (default: $AWS_ENDPOINT_URL, else http://localhost:$DRYDOCK_PORT, port 4566)`;
const JSON_OPTION = `  --json            JSON lines (one object per line) even on a terminal; the default when stdout is not a terminal`;

const MAIN = `drydock ${VERSION}: a local, offline AWS that really runs the toolchain

Usage: drydock <command> [options]

Commands:
  start                  run Drydock in the foreground
  status                 whether Drydock runs, its version, data directory and time
  reset                  delete every resource of every service and reset the clock
  aws <arguments>        the aws CLI, pointed at Drydock with the test credentials
  builds list            CodeBuild builds, newest first
  builds logs <build>    a CodeBuild build's log (--follow tails it)
  pipelines approve <pipeline> <stage> <action>
                         approve (or --reject) a pipeline's waiting manual approval
  sns outbox             what SNS sent by email and SMS (kept locally, never sent)
  help [<command>]       this text, or a command's

Options:
  -h, --help             usage; after a command, that command's (drydock builds logs --help)
  -v, --version          Drydock's version

status, reset, builds list and sns outbox print text on a terminal, and JSON lines with --json or when
stdout is not a terminal. Exit codes: 0 done, 1 failed, 2 usage error.

${environment(['server', 'client'])}`;

const START = `Usage: drydock start [--port N] [--host H] [--data-dir DIR | --ephemeral] [--quiet]

Runs Drydock in the foreground: every service on one port, state in the data directory. Prints
"Drydock <version> ready on http://localhost:<port> (data: <dir>)" once it answers requests; SIGINT
or SIGTERM closes it cleanly (exit 0), a second signal exits at once.

One Drydock per data directory: while one runs, DIR/drydock.pid names its PID and a second refuses
to start (exit 1). A lock left by a Drydock that no longer runs (kill -9, a crash) is taken over,
with a warning in the log.

Options:
  --port N          port to listen on; 0 picks a free one (default $DRYDOCK_PORT, else 4566)
  --host H          address to bind (default $DRYDOCK_HOST, else 0.0.0.0)
  --data-dir DIR    where state lives (default $DRYDOCK_DATA_DIR, else ./.drydock)
  --ephemeral       state in a fresh temporary directory, deleted on shutdown
  --quiet           no log line per request (warnings and errors are still logged)
  -h, --help        this text

${environment(['server'])}`;

const STATUS = `Usage: drydock status [--json] [--endpoint URL]

Asks the running Drydock (GET /_drydock/health) for its version, data directory, sandbox, services
and Drydock's time. Exit 1 when nothing answers at the endpoint.

Options:
${CLIENT_OPTIONS}
${JSON_OPTION}
  -h, --help        this text

${environment(['client'])}`;

const RESET = `Usage: drydock reset [--yes] [--json] [--endpoint URL]

Deletes every resource of every service, in every account and region (running builds are stopped
first), and puts Drydock's clock back to the real time, undoing time warps and DRYDOCK_TIME_SCALE
drift (POST /_drydock/reset). The server keeps running.

On a terminal it asks first. When stdin is not a terminal there is nobody to ask, so without --yes
it refuses (exit 2) rather than wipe unasked.

Options:
  -y, --yes         reset without asking
${CLIENT_OPTIONS}
${JSON_OPTION}
  -h, --help        this text

${environment(['client'])}`;

const AWS = `Usage: drydock aws <aws CLI arguments>

Runs the aws CLI with --endpoint-url set to Drydock and, unless they are set already, the test
credentials (test / test, the root user of account 000000000000) and region us-east-1. Exits with
the aws CLI's exit code. The aws CLI's own help: drydock aws help.

  -h, --help        this text (only right after "aws"; later, the argument is the aws CLI's)

${environment(['client'])}`;

const BUILDS = `Usage: drydock builds <list | logs> [options]

CodeBuild builds of the caller's account and region:
  list [--project P]             the builds, newest first
  logs <build> [--follow]        a build's log

drydock builds <list | logs> --help tells their options.
`;

const BUILDS_LIST = `Usage: drydock builds list [--project P] [--json] [--endpoint URL]

Lists the builds of the caller's account and region, newest first (CodeBuild ListBuilds, or
ListBuildsForProject with --project, then BatchGetBuilds). Text: one row per build with its id,
status, current phase, start time (UTC) and duration. JSON lines: one object per build with id,
projectName, buildNumber, buildStatus, currentPhase, startTime and endTime (ISO 8601).

Options:
  --project P       only the builds of project P
${CLIENT_OPTIONS}
${JSON_OPTION}
  -h, --help        this text

${environment(['client'])}`;

const BUILDS_LOGS = `Usage: drydock builds logs <build> [--follow] [--endpoint URL]

Prints a build's log from CloudWatch Logs. <build> is the build id (project:uuid), its UUID, or the
start of its UUID; when that starts the UUID of several builds, their ids are listed instead (exit 1).

Options:
  -f, --follow      keep printing as the build writes, tell each phase on stderr, and exit once the
                    build has completed: 0 when it SUCCEEDED, 1 otherwise
${CLIENT_OPTIONS}
  -h, --help        this text

${environment(['client'])}`;

const PIPELINES = `Usage: drydock pipelines approve <pipeline> <stage> <action> [options]

CodePipeline pipelines of the caller's account and region:
  approve <pipeline> <stage> <action>   answer the manual approval the action waits for

drydock pipelines approve --help tells its options.
`;

const PIPELINES_APPROVE = `Usage: drydock pipelines approve <pipeline> <stage> <action> [--reject] [--summary TEXT] [--json] [--endpoint URL]

Approves (or rejects) the manual approval the action of the pipeline's stage waits for: reads the
approval's token with GetPipelineState, then answers it with PutApprovalResult, as
aws codepipeline put-approval-result does. Exit 1 when the action is not waiting for an approval.

Options:
  --reject          reject instead of approve (the execution fails at the action)
  --summary TEXT    the approval's summary (default "Approved with drydock pipelines approve")
${CLIENT_OPTIONS}
${JSON_OPTION}
  -h, --help        this text

${environment(['client'])}`;

const SNS = `Usage: drydock sns outbox [options]

SNS's local outbox: email, email-json and SMS messages are recorded there instead of being sent.
drydock sns outbox --help tells its options.
`;

const SNS_OUTBOX = `Usage: drydock sns outbox [--to ADDRESS] [--json] [--endpoint URL]

Prints what SNS sent by email and SMS, oldest first (GET /_drydock/sns/outbox): subscription
confirmations (their link confirms the subscription), notifications, text messages. Text: a header
line per message (time in UTC, protocol, recipient, topic), its subject and body. JSON lines: one
object per message with id, sentAt, account, region, protocol, to, topicArn, subscriptionArn,
messageId, subject and body.

Options:
  --to ADDRESS      only what was sent to this email address or phone number
${CLIENT_OPTIONS}
${JSON_OPTION}
  -h, --help        this text

${environment(['client'])}`;

/** Usage texts by command path ('' is drydock's own). */
export const HELP: Record<string, string> = {
  '': MAIN,
  start: START,
  status: STATUS,
  reset: RESET,
  aws: AWS,
  builds: BUILDS,
  'builds list': BUILDS_LIST,
  'builds logs': BUILDS_LOGS,
  pipelines: PIPELINES,
  'pipelines approve': PIPELINES_APPROVE,
  sns: SNS,
  'sns outbox': SNS_OUTBOX,
};
