/**
 * The load generator: wrk (https://github.com/wg/wrk, `apt-get install wrk`), a native HTTP
 * benchmarking tool that costs a fraction of the servers it drives, so the figures measure the
 * servers and not the client.
 *
 * Every run gets a generated Lua script and a data file of raw HTTP/1.1 requests, signed ahead of
 * the run (a SigV4 header signature stays valid for 15 minutes): the script's `init` loads them
 * into an array and `request()` hands them to wrk one after the other. `response()` counts the
 * answers by status (a non-2xx answer is a failure of the run, never throughput) and keeps the
 * first failed answer; `done()` prints the figures as one JSON line, parsed here.
 *
 * The requests are written out byte for byte rather than through `wrk.format()`, which would add a
 * second `Host` and `Content-Length` header beside the signed lower-case ones.
 *
 * On a machine with two or more CPUs wrk is pinned to the last one (`taskset`), which steadies its
 * figures; the servers are left to the scheduler, which then runs them beside it: pinning them to
 * another CPU too made them far slower on a machine shared with other work, where that CPU is
 * often busy.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError } from './client.js';

/**
 * How a run uses its requests.
 * - `cycle`: round and round until the time is up (requests that may be repeated).
 * - `unique`: each at most once; the run ends early when they run out (writes that must not repeat).
 * - `all`: each exactly once, every answer awaited (loading data); the duration only bounds it.
 */
export type WrkMode = 'cycle' | 'unique' | 'all';

export interface WrkRun {
  port: number;
  /** Raw HTTP/1.1 requests (see rawRequest in client.ts). */
  requests: Buffer[];
  /** A harmless request sent when `unique` or `all` requests run out while connections still ask for one. */
  filler: Buffer;
  connections: number;
  /** Whole seconds: wrk's resolution. */
  seconds: number;
  mode: WrkMode;
}

export interface WrkResult {
  /** Answers received, of any status. */
  requests: number;
  seconds: number;
  bytes: number;
  /** Socket errors and timeouts; a healthy run has none. */
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  latencyUs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** `unique` or `all`: every request was handed out. */
  exhausted: boolean;
  /** The first answer that was not 2xx: status and the start of its body. */
  firstFailure?: string;
}

const RESULT_MARKER = 'WRK-RESULT ';
const INSTALL_HINT = 'wrk is not installed: the benchmark drives its load with it. Install it from the OS packages: `sudo apt-get install wrk` (Debian/Ubuntu), `brew install wrk` (macOS).';

/** wrk's version; stops the bench with the install instruction when wrk is missing. */
export function requireWrk(): string {
  const probe = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  if (probe.error) {
    process.stderr.write(`${(probe.error as NodeJS.ErrnoException).code === 'ENOENT' ? INSTALL_HINT : `cannot run wrk: ${probe.error.message}`}\n`);
    process.exit(1);
  }
  return /wrk (\S+)/.exec(probe.stdout)?.[1] ?? 'unknown version';
}

/** The CPU wrk is pinned to, when the machine has two or more and taskset exists. */
export const WRK_CPU: number | undefined = cpus().length >= 2 && !spawnSync('taskset', ['-V']).error ? cpus().length - 1 : undefined;

// The script reads its settings from the globals prepended to it (FILE, MODE).
const SCRIPT = String.raw`
local requests = {}
local filler
local verified = false
local next_index = 0
local sent = 0
answered = 0
statuses = {}
exhausted = false
first_failure = nil

function init(args)
  local f = assert(io.open(FILE, "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  while pos <= #data do
    local newline = string.find(data, "\n", pos, true)
    local length = tonumber(string.sub(data, pos, newline - 1))
    requests[#requests + 1] = string.sub(data, newline + 1, newline + length)
    pos = newline + length + 1
  end
  filler = table.remove(requests, 1)
end

-- Ends the run now: this thread's loop, and wrk's main thread, which otherwise sleeps out the
-- duration until a SIGINT wakes it. The signal goes to the main thread itself (tgkill): sent to the
-- process, it was now and then taken by this thread, and the main thread slept on.
local ffi = require("ffi")
local wake_main = function()
  io.popen("kill -INT $PPID"):close()
end
if pcall(ffi.cdef, "int getpid(void); int tgkill(int tgid, int tid, int sig);") and pcall(function() return ffi.C.tgkill end) then
  wake_main = function()
    ffi.C.tgkill(ffi.C.getpid(), ffi.C.getpid(), 2)
  end
end
local function finish()
  wrk.thread:stop()
  wake_main()
end

function request()
  -- wrk calls request() once before the run to see what it returns; that request is never sent.
  if not verified then
    verified = true
    return requests[1]
  end
  sent = sent + 1
  next_index = next_index + 1
  if next_index > #requests then
    if MODE == "cycle" then
      next_index = 1
    else
      if MODE == "unique" and not exhausted then finish() end
      exhausted = true
      return filler
    end
  end
  return requests[next_index]
end

if MODE == "all" then
  -- Once every request is out, connections wait instead of asking for more.
  function delay()
    if next_index >= #requests then return 3600000 end
    return 0
  end
end

function response(status, headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  if (status < 200 or status > 299) and first_failure == nil then
    first_failure = status .. " " .. string.sub(body or "", 1, 300)
  end
  if MODE == "all" and next_index >= #requests and answered == sent then
    exhausted = true
    finish()
  end
end

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

local function json_string(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local thread = threads[1]
  local parts = {}
  for status, count in pairs(thread:get("statuses")) do
    parts[#parts + 1] = string.format('"%d":%d', status, count)
  end
  local failure = thread:get("first_failure")
  io.write(string.format(
    'WRK-RESULT {"requests":%d,"durationUs":%d,"bytes":%d,"socketErrors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},' ..
      '"statuses":{%s},"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"exhausted":%s%s}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    table.concat(parts, ","),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    tostring(thread:get("exhausted")),
    failure and (',"firstFailure":' .. json_string(failure)) or ""))
end
`;

interface RawResult extends Omit<WrkResult, 'seconds'> {
  durationUs: number;
}

const running = new Set<ChildProcess>();

/** Kills the wrk runs under way, for a bench interrupted half-way. */
export function killWrk(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** One wrk run; rejects when wrk fails or prints no result. */
export async function runWrk(run: WrkRun): Promise<WrkResult> {
  if (run.requests.length === 0) throw new Error('a wrk run needs at least one request');
  const dir = mkdtempSync(join(tmpdir(), 'drydock-bench-wrk-'));
  try {
    const dataFile = join(dir, 'requests');
    // Length-prefixed records: the filler first, then the requests (bodies may hold any byte).
    const fd = openSync(dataFile, 'w');
    try {
      for (const raw of [run.filler, ...run.requests]) {
        writeSync(fd, `${raw.length}\n`);
        writeSync(fd, raw);
      }
    } finally {
      closeSync(fd);
    }
    const script = join(dir, 'run.lua');
    writeFileSync(script, `FILE = ${JSON.stringify(dataFile)}\nMODE = "${run.mode}"\n${SCRIPT}`);
    const args = ['-t1', `-c${run.connections}`, `-d${run.seconds}s`, '--timeout', '10s', '-s', script, `http://127.0.0.1:${run.port}/`];
    const [command, argv] = WRK_CPU === undefined ? ['wrk', args] : ['taskset', ['-c', String(WRK_CPU), 'wrk', ...args]];
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve, reject) => {
      const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      child.on('exit', () => running.delete(child));
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-4000)));
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ stdout: out, stderr: err, code: exitCode }));
    });
    const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
    if (!line) throw new Error(`wrk exited with ${code} without a result: ${(stderr || stdout).trim().slice(-500)}`);
    const { durationUs, ...raw } = JSON.parse(line.slice(RESULT_MARKER.length)) as RawResult;
    return { ...raw, seconds: durationUs / 1e6 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Answers that were not 2xx. */
function failedAnswers(result: WrkResult): number {
  return Object.entries(result.statuses).reduce((sum, [status, count]) => (Number(status) >= 200 && Number(status) < 300 ? sum : sum + count), 0);
}

/** "400 {json body}" as "400 ParameterAlreadyExists". */
function describeFailure(firstFailure: string | undefined): string {
  if (!firstFailure) return '?';
  const space = firstFailure.indexOf(' ');
  return `${firstFailure.slice(0, space)} ${describeError(undefined, firstFailure.slice(space + 1))}`;
}

/** Why a run cannot count, or undefined when every answer was a 2xx and no socket failed. */
export function runFailure(result: WrkResult): string | undefined {
  const failed = failedAnswers(result);
  const socket = result.socketErrors;
  const socketErrors = socket.connect + socket.read + socket.write + socket.timeout;
  if (failed === 0 && socketErrors === 0) return undefined;
  const byStatus = Object.entries(result.statuses)
    .filter(([status]) => Number(status) < 200 || Number(status) >= 300)
    .map(([status, count]) => `${count} x ${status}`)
    .join(', ');
  const parts = [];
  if (failed) parts.push(`${failed} of ${result.requests} answers not 2xx (${byStatus}; first: ${describeFailure(result.firstFailure)})`);
  if (socketErrors) parts.push(`socket errors: connect ${socket.connect}, read ${socket.read}, write ${socket.write}, timeout ${socket.timeout}`);
  return parts.join('; ');
}
