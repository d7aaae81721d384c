import { parseSettings } from '../../server/config/settings';
import { NO_LIMIT_REPORTER } from '../../server/metrics/limits';
import type { SignallingLimits, SignallingOptions } from '../../server/signalling/signalling-server';
import { signallingLimits } from '../../server/signalling/signalling-settings';

/** Options of a SignallingServer under test: the default limits with `limits` applied, no hooks, nothing counted unless `options` says. */
export function testSignallingOptions(limits: Partial<SignallingLimits> = {}, options: Partial<Omit<SignallingOptions, 'limits'>> = {}): SignallingOptions {
  return { limits: { ...signallingLimits(parseSettings('', 'defaults').settings), ...limits }, reporter: NO_LIMIT_REPORTER, ...options };
}
