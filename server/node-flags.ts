import { extname, join } from 'node:path';

/**
 * V8 flags every gateway process runs with: scripts/serve.sh and the Dockerfile start the gateway
 * with them, and it forks its media and codec workers with them.
 *
 * `--no-incremental-marking-task`: under the media path's steady allocation (about 9 MB/s at 8
 * WebRTC streams), Node 24's V8 starts a major GC about once a second from its incremental-marking
 * task, although the old generation is far below its limit (32 of 72 MB, seen with
 * `--trace-incremental-marking`), and its concurrent marking threads cost more than the rest of
 * the garbage collection. Without the task, marking starts as allocation nears the limit: a major
 * GC every 6–8 s with the same pauses (5–13 ms), and about 20 % less CPU in the gateway's node
 * process (`npm run bench`, 8 streams).
 *
 * `--max-semi-space-size=16`: V8 grows its young generation with the allocation rate, to 128 MB at
 * 32 streams, most of it resident. Capped at 16 MB per semi-space: 3 to 4 MB less RSS per stream
 * at 32 streams, with the same CPU, latency and saturation point (bench, A/B).
 *
 * V8 reads these only at start-up (`v8.setFlagsFromString` changes nothing then), so they go on
 * the command line.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--no-incremental-marking-task', '--max-semi-space-size=16'];

/** The flags of GATEWAY_NODE_FLAGS that `execArgv` (this process's, by default) lacks. */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return GATEWAY_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}

/**
 * The node flags of a worker the gateway forks: GATEWAY_NODE_FLAGS, and when the gateway runs
 * from its TypeScript sources (the tests), the hook that lets the worker load them too.
 */
export function workerExecArgv(): string[] {
  if (extname(__filename) !== '.ts') return [...GATEWAY_NODE_FLAGS];
  return [...GATEWAY_NODE_FLAGS, '--require', join(__dirname, '..', 'scripts', 'ts-register.cjs')];
}
