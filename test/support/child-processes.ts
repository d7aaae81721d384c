import { readdir, readFile } from 'node:fs/promises';

/** One live child process of this process. */
export interface ChildProcessInfo {
  pid: number;
  /** Command line, arguments joined by spaces. */
  commandLine: string;
}

/** The live child processes of this process (the gateway's ffmpeg transcoders and mixers, in-process tests). */
export async function childProcesses(): Promise<ChildProcessInfo[]> {
  const children: ChildProcessInfo[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = (await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')).trim();
    const fields = /^\d+ \(.*\) (.*)$/.exec(stat)?.[1]?.split(' ');
    if (fields?.[1] !== String(process.pid) || fields[0] === 'Z') continue;
    const commandLine = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim();
    children.push({ pid: Number(entry), commandLine });
  }
  return children;
}
