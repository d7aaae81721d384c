import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux ABI that matters). */
const USER_HZ = 100;

/** CPU and memory of one process, read from /proc. */
export interface ProcessUsage {
  readonly pid: number;
  /** Process name (comm). */
  readonly name: string;
  /** CPU time used since the process started, user + system, all threads, ms (10 ms resolution). */
  readonly cpuMs: number;
  /** The system (kernel) part of cpuMs, ms: socket writes, and on loopback the receiver's TCP work too. */
  readonly systemCpuMs: number;
  /** Resident set size, bytes. */
  readonly rssBytes: number;
  /** Proportional set size (shared pages split between their users), bytes. */
  readonly pssBytes: number;
}

/** One reading of a process and every live descendant (e.g. the gateway and its ffmpeg transcoders). */
export interface TreeUsage {
  /** performance.now() when read, ms. */
  readonly atMs: number;
  readonly root: ProcessUsage;
  readonly descendants: readonly ProcessUsage[];
}

/**
 * Reads the usage of `rootPid` and of all its live descendants from /proc. A descendant that exits
 * between two readings takes its CPU time with it: compare readings over a window in which the
 * process tree is stable.
 */
export async function readTreeUsage(rootPid: number): Promise<TreeUsage> {
  const atMs = performance.now();
  const parents = await parentMap();
  const descendants: number[] = [];
  const frontier = [rootPid];
  while (frontier.length > 0) {
    const pid = frontier.pop()!;
    for (const [child, parent] of parents) {
      if (parent === pid) {
        descendants.push(child);
        frontier.push(child);
      }
    }
  }
  const usages = await Promise.all(descendants.map((pid) => readProcessUsage(pid).catch(() => undefined)));
  return { atMs, root: await readProcessUsage(rootPid), descendants: usages.filter((u) => u !== undefined) };
}

/** Reads one process's usage; rejects if it does not exist (any more). */
export async function readProcessUsage(pid: number): Promise<ProcessUsage> {
  const [stat, status, smaps] = await Promise.all([
    readFile(`/proc/${pid}/stat`, 'utf8'),
    readFile(`/proc/${pid}/status`, 'utf8'),
    readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''),
  ]);
  const fields = statFields(stat);
  return {
    pid,
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    // utime and stime are fields 14 and 15 of stat(5); statFields starts at field 3.
    cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ,
    systemCpuMs: (Number(fields[12]) * 1000) / USER_HZ,
    rssBytes: kilobytes(status, 'VmRSS'),
    pssBytes: kilobytes(smaps, 'Pss'),
  };
}

/** CPU time of the whole tree between two readings, ms; descendants that appeared meanwhile count from 0. */
export function treeCpuMs(before: TreeUsage, after: TreeUsage): { root: number; descendants: number } {
  const earlier = new Map(before.descendants.map((u) => [u.pid, u.cpuMs]));
  let descendants = 0;
  for (const u of after.descendants) descendants += u.cpuMs - (earlier.get(u.pid) ?? 0);
  return { root: after.root.cpuMs - before.root.cpuMs, descendants };
}

/** pid → parent pid of every process. */
async function parentMap(): Promise<Map<number, number>> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const map = new Map<number, number>();
  await Promise.all(
    pids.map(async (entry) => {
      try {
        map.set(Number(entry), Number(statFields(await readFile(`/proc/${entry}/stat`, 'utf8'))[1]));
      } catch {
        // the process exited while we looked
      }
    }),
  );
  return map;
}

/** The fields of /proc/<pid>/stat after `(comm)` (which may itself hold spaces): state, ppid, ... */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function kilobytes(text: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}
