/** LogsApi: how other services (CodeBuild, Lambda …) write logs, with the rules PutLogEvents applies. */
import type { PutLogEventsResponse } from '@aws-sdk/client-cloudwatch-logs';
import type { Scope } from '../../core/accounts.js';
import { invalid, type LogsContext, requireGroup } from './common.js';
import { putEvents } from './handlers/events.js';
import { createGroup } from './handlers/groups.js';

export interface LogEventInput {
  timestamp: number;
  message: string;
}

/** The typed interface other services (CodeBuild, Lambda …) use to write logs. */
export interface LogsApi {
  /** Creates the group unless it exists. */
  ensureLogGroup(scope: Scope, group: string): void;
  /** Creates the group and stream unless they exist. */
  ensureLogStream(scope: Scope, group: string, stream: string): void;
  /**
   * Appends events with PutLogEvents' rules (chronological order, batch limits, rejection of events
   * too old or too new) and resolves once they are committed to disk.
   */
  putLogEvents(scope: Scope, group: string, stream: string, events: LogEventInput[]): Promise<PutLogEventsResponse>;
}

/** The model's LogGroupName and LogStreamName constraints. */
const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_NAME = /^[^:*]{1,512}$/;

// The api skips the pipeline, so it checks what the model's constraints would have.
function checkNames(group: string, stream?: string): void {
  if (!GROUP_NAME.test(group)) throw invalid(`Invalid log group name: ${group}`);
  if (stream !== undefined && !STREAM_NAME.test(stream)) throw invalid(`Invalid log stream name: ${stream}`);
}

function checkEvents(events: LogEventInput[]): void {
  for (const [i, event] of events.entries()) {
    if (typeof event.message !== 'string' || event.message.length === 0) throw invalid(`logEvents.${i + 1}.message must be a non-empty string`);
    if (!Number.isSafeInteger(event.timestamp) || event.timestamp < 0) throw invalid(`logEvents.${i + 1}.timestamp must be a non-negative integer of milliseconds`);
  }
}

export function createLogsApi(c: LogsContext): LogsApi {
  const { store } = c;
  return {
    ensureLogGroup(scope, group) {
      checkNames(group);
      store.tx(() => {
        if (!store.group(scope, group)) createGroup(c, scope, { logGroupName: group });
      });
    },
    ensureLogStream(scope, group, stream) {
      checkNames(group, stream);
      store.tx(() => {
        if (!store.group(scope, group)) createGroup(c, scope, { logGroupName: group });
        const row = requireGroup(c, scope, group);
        if (!store.stream(row.id, stream)) store.createStream(row.id, stream, c.rt.clock.now());
      });
    },
    async putLogEvents(scope, group, stream, events) {
      checkNames(group, stream);
      checkEvents(events);
      // The transaction commits with synchronous=FULL before putEvents returns: resolving means durable.
      return putEvents(c, scope, group, stream, events);
    },
  };
}
