/**
 * `drydock sns outbox`: what SNS "sent" by email and SMS, which Drydock records in a local outbox
 * instead (GET /_drydock/sns/outbox): confirmation emails with their SubscribeURL, notifications,
 * text messages.
 */
import { callInternal, endpointOf } from './endpoint.js';
import { CommandFailed, parseOptions, printJsonLine, wantsJson } from './usage.js';

interface OutboxEntry {
  id: number;
  sentAt: string;
  protocol: string;
  to: string;
  topicArn?: string;
  subject: string;
  body: string;
}

/** Entries the route answers per call. */
const PAGE = 1000;

/** Every outbox entry (to one address with `to`), oldest first. */
async function readOutbox(endpoint: string, to: string | undefined): Promise<OutboxEntry[]> {
  const entries: OutboxEntry[] = [];
  for (let after = 0; ; ) {
    const query = new URLSearchParams({ after: String(after), limit: String(PAGE) });
    const { ok, body } = await callInternal(endpoint, 'GET', `sns/outbox?${query}`);
    if (!ok) throw new CommandFailed(`the outbox could not be read: ${String(body.error ?? 'unknown error')}`);
    const page = body.messages as OutboxEntry[];
    entries.push(...page.filter((m) => to === undefined || m.to === to));
    if (page.length < PAGE) return entries;
    after = page.at(-1)!.id;
  }
}

export async function snsOutbox(args: string[]): Promise<void> {
  const { values } = parseOptions({ args, options: { to: { type: 'string' }, endpoint: { type: 'string' }, json: { type: 'boolean' } } });
  const entries = await readOutbox(endpointOf(values.endpoint), values.to);
  if (wantsJson(values.json)) {
    for (const entry of entries) printJsonLine(entry);
    return;
  }
  if (entries.length === 0) {
    process.stdout.write(values.to ? `Nothing was sent to ${values.to}.\n` : 'The outbox is empty.\n');
    return;
  }
  for (const entry of entries) {
    const head = `${entry.sentAt.slice(0, 19).replace('T', ' ')}  ${entry.protocol} to ${entry.to}${entry.topicArn ? ` from ${entry.topicArn}` : ''}`;
    const subject = entry.subject ? `Subject: ${entry.subject}\n` : '';
    process.stdout.write(`${head}\n${subject}\n${entry.body}\n\n`);
  }
}
