import { spawn, type ChildProcess } from 'node:child_process';

/** What a finished ffmpeg/ffprobe run produced. */
export interface ToolResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

const running = new Set<ChildProcess>();

/**
 * Runs ffmpeg or ffprobe with `input` on stdin and collects its output. Killed (and the promise
 * rejected) after `timeoutMs`, default 15000.
 */
export function runTool(command: 'ffmpeg' | 'ffprobe', args: readonly string[], input?: Buffer, timeoutMs = 15000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, ['-hide_banner', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    const stdout: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} timed out after ${timeoutMs} ms: ${stderr.slice(-500)}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code, stdout: Buffer.concat(stdout), stderr });
    });
    // ffmpeg may exit before reading all input (EPIPE): the exit code tells what happened.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Kills any tool still running (for afterAll). */
export function killRunningTools(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
