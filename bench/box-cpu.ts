import { readFile } from 'node:fs/promises';

/** The whole machine's CPU time from the first line of /proc/stat, in clock ticks (every core together). */
export interface BoxCpu {
  /** user, nice, system, irq, softirq and steal. */
  readonly busy: number;
  /** busy + idle + iowait. */
  readonly total: number;
}

/** Reads the machine's CPU counters. */
export async function readBoxCpu(): Promise<BoxCpu> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is in user already)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** How busy the machine was between two readings, % of all its cores together (100 = every core busy). */
export function boxBusyPercent(before: BoxCpu, after: BoxCpu): number {
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * 100 : Number.NaN;
}
