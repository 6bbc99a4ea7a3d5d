/**
 * Holds the kernel's CPU wake-up latency request at 0 µs for the whole run (PM QoS, the
 * `/dev/cpu_dma_latency` interface that cyclictest and tuned's latency-performance profile use):
 * an idle CPU then polls instead of entering a sleep state.
 *
 * Why: at one connection the client and the server hand every request back and forth, and each
 * hand-over wakes an idle CPU. On a virtual machine a halted vCPU is woken through the hypervisor,
 * which measured 80 µs p50 and 0.2-0.6 ms p99 for the do-nothing floor server on the 2-vCPU VM the
 * bench runs on, against 24-30 µs p50 and 0.15-0.27 ms p99 with this request held: without it, the
 * one-connection figures measure the machine's wake-ups, not the servers. It applies to all three
 * servers alike. The request lasts as long as the file stays open and needs write access to the
 * device (root); without it the bench runs as before and says so.
 */
import { openSync, writeSync } from 'node:fs';

/**
 * Makes the request and keeps its file open until the process exits, whichever way the run ends.
 * Returns 'held at 0 µs', or why it could not be.
 */
export function holdCpuWakeLatency(): string {
  try {
    const fd = openSync('/dev/cpu_dma_latency', 'w');
    const request = Buffer.alloc(4);
    request.writeInt32LE(0);
    writeSync(fd, request);
    return 'held at 0 µs';
  } catch (err) {
    return `not held (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}
