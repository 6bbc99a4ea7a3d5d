/**
 * EventBridge in the benchmark.
 *
 * - PutEvents → SQS target delivered: a rule on the default bus sends matching events to a queue
 *   whose policy allows EventBridge; each sample is PutEvents sent → the message received by a
 *   long poll already waiting on the queue (so the figure is the delivery, not a poll interval),
 *   against a Drydock process and, when moto_server is installed, moto (which delivers inside
 *   PutEvents). Target: Drydock p50 < 10 ms.
 * - 1 event against 1,000 rules: the engine's own index and matcher in this process (no HTTP):
 *   990 rules on distinct sources with detail patterns (numeric ranges, prefixes, anything-but),
 *   10 rules for any source; each sample routes one event. Target: < 1 ms.
 *
 * `node dist/bench/events.js [--samples N]` runs this section alone.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Store } from '../src/core/store.js';
import { RuleIndex } from '../src/services/events/engine/index.js';
import { type BusEvent, matchIndex } from '../src/services/events/engine/router.js';
import { compilePattern } from '../src/services/events/pattern/compile.js';
import { EventsStore } from '../src/services/events/store.js';
import { HOST } from './client.js';
import { freePort, type RunningTarget, startDrydock, startMoto } from './servers.js';

export interface EventsBenchOptions {
  /** PutEvents → delivered samples per server (after a few unmeasured ones). */
  samples: number;
  /** Events matched against the 1,000 rules. */
  matches: number;
}

export const DEFAULT_EVENTS_BENCH: EventsBenchOptions = { samples: 200, matches: 20_000 };

const WARMUP = 5;
const RULES = 1_000;
const ANY_SOURCE_RULES = 10;
const DELIVERY_TARGET_MS = 10;
const MATCH_TARGET_MS = 1;
const ACCOUNT = '000000000000';

interface Stats {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

export interface EventsBenchResults {
  delivery: { server: string; version: string; stats?: Stats; error?: string }[];
  matching: { rules: number; candidates: number; matched: number; stats: Stats };
}

function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))]!;
  return { samples: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1]! };
}

async function deliveryLatency(target: RunningTarget, samples: number): Promise<Stats> {
  const ebSdk = await import('@aws-sdk/client-eventbridge');
  const sqsSdk = await import('@aws-sdk/client-sqs');
  const config = { endpoint: `http://${HOST}:${target.port}`, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const eb = new ebSdk.EventBridgeClient(config);
  const sqs = new sqsSdk.SQSClient(config);
  const { QueueUrl } = await sqs.send(new sqsSdk.CreateQueueCommand({ QueueName: 'bench-events' }));
  const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:bench-events`;
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn }] };
  await sqs.send(new sqsSdk.SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
  await eb.send(new ebSdk.PutRuleCommand({ Name: 'bench', EventPattern: JSON.stringify({ source: ['bench.app'], detail: { n: [{ numeric: ['>=', 0] }] } }) }));
  await eb.send(new ebSdk.PutTargetsCommand({ Rule: 'bench', Targets: [{ Id: 'q', Arn: queueArn }] }));
  const out: number[] = [];
  for (let i = 0; i < samples + WARMUP; i++) {
    const poll = sqs.send(new sqsSdk.ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }));
    // The long poll is on the server before the event is sent.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const started = performance.now();
    await eb.send(new ebSdk.PutEventsCommand({ Entries: [{ Source: 'bench.app', DetailType: 'tick', Detail: JSON.stringify({ n: i }) }] }));
    const { Messages } = await poll;
    const elapsed = performance.now() - started;
    if (!Messages?.length) throw new Error(`event ${i} was not delivered within 5 s`);
    await sqs.send(new sqsSdk.DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0]!.ReceiptHandle }));
    if (i >= WARMUP) out.push(elapsed);
  }
  return stats(out);
}

/** 1,000 rules in a real EventsStore, indexed by the engine, matched against events of one source. */
function matching(matches: number): EventsBenchResults['matching'] {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-bench-events-'));
  const store = new Store(dir);
  try {
    const events = new EventsStore(store);
    const scope = { account: ACCOUNT, region: 'us-east-1' };
    store.tx(() => {
      for (let r = 0; r < RULES; r++) {
        const anySource = r < ANY_SOURCE_RULES;
        const pattern = anySource
          ? { 'detail-type': [{ prefix: `deploy-${r}` }], detail: { env: ['prod'] } }
          : { source: [`app.service-${r}`], detail: { amount: [{ numeric: ['>', r, '<=', r + 1000] }], region: [{ 'anything-but': ['eu-west-3'] }], id: [{ prefix: 'ord-' }] } };
        events.upsertRule({
          account: ACCOUNT,
          region: 'us-east-1',
          bus: 'default',
          name: `rule-${r}`,
          pattern: JSON.stringify(pattern),
          schedule: null,
          state: 'ENABLED',
          description: null,
          role_arn: null,
          managed_by: null,
          created_by: ACCOUNT,
          tags: '[]',
          schedule_anchor: null,
          schedule_job: null,
        });
      }
    });
    const index = new RuleIndex(events, compilePattern).get(scope, 'default', `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/default`);
    const event = (n: number): BusEvent => ({
      version: '0',
      id: `e-${n}`,
      'detail-type': 'Order Placed',
      source: `app.service-${n % RULES}`,
      account: ACCOUNT,
      time: '2024-01-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { amount: (n % RULES) + 10, region: 'us-east-1', id: `ord-${n}`, items: [{ sku: 'a', qty: 1 }] },
    });
    const out: number[] = [];
    let matched = 0;
    for (let i = 0; i < matches; i++) {
      const e = event(i);
      const started = performance.now();
      matched += matchIndex(index, e).length;
      out.push(performance.now() - started);
    }
    const candidates = (index.bySource.get('app.service-500')?.length ?? 0) + index.anySource.length;
    return { rules: RULES, candidates, matched, stats: stats(out.slice(Math.floor(out.length / 10))) };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function eventsBench(options: EventsBenchOptions = DEFAULT_EVENTS_BENCH): Promise<EventsBenchResults> {
  const delivery: EventsBenchResults['delivery'] = [];
  for (const start of [startDrydock, startMoto]) {
    let target: RunningTarget | undefined;
    try {
      target = await start(await freePort());
      delivery.push({ server: target.name, version: target.version, stats: await deliveryLatency(target, options.samples) });
    } catch (err) {
      delivery.push({ server: target?.name ?? (start === startDrydock ? 'Drydock' : 'moto'), version: target?.version ?? '', error: err instanceof Error ? err.message : String(err) });
    } finally {
      await target?.stop();
    }
  }
  return { delivery, matching: matching(options.matches) };
}

const ms = (v: number) => `${v.toFixed(3)} ms`;

export function formatEventsBench(results: EventsBenchResults): string {
  const lines = ['EventBridge', '  PutEvents → SQS target delivered (PutEvents sent → message received by a waiting long poll):'];
  for (const row of results.delivery) {
    if (!row.stats) {
      lines.push(`    ${row.server.padEnd(8)} not measured: ${row.error}`);
      continue;
    }
    const verdict = row.server === 'Drydock' ? (row.stats.p50 < DELIVERY_TARGET_MS ? ` (target < ${DELIVERY_TARGET_MS} ms: met)` : ` (target < ${DELIVERY_TARGET_MS} ms: MISSED)`) : '';
    lines.push(`    ${row.server.padEnd(8)} ${row.version.padEnd(10)} p50 ${ms(row.stats.p50)}  p99 ${ms(row.stats.p99)}  max ${ms(row.stats.max)}  (${row.stats.samples} events)${verdict}`);
  }
  const m = results.matching;
  const verdict = m.stats.p50 < MATCH_TARGET_MS ? 'met' : 'MISSED';
  lines.push(
    `  1 event against ${m.rules} rules (index by source, compiled patterns; ${m.candidates} candidates per event): p50 ${ms(m.stats.p50)}  p99 ${ms(m.stats.p99)}  (${m.stats.samples} events, ${m.matched} matches; target < ${MATCH_TARGET_MS} ms: ${verdict})`,
  );
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const samples = process.argv.indexOf('--samples');
  const options = { ...DEFAULT_EVENTS_BENCH, ...(samples > 0 ? { samples: Number(process.argv[samples + 1]) } : {}) };
  console.log(formatEventsBench(await eventsBench(options)));
}
