/** What the command line asks for. */
export type CliRequest =
  | { readonly kind: 'run'; readonly configPath: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'error'; readonly message: string };

export const DEFAULT_CONFIG = 'config/flashphoner.properties';

export const USAGE = `Usage: node dist/server/main.js [--config <file>]

Republishes WebRTC, WHIP and RTMP streams to RTMP(S), MPEG-TS/UDP, SRT and recordings.

Options:
  --config <file>  the properties file (default ${DEFAULT_CONFIG}); every setting and its default
                   are in README.md, "Configuration"
  --help, -h       this text
  --version, -v    the version
`;

/** Reads the gateway's arguments. */
export function parseCliArguments(args: readonly string[]): CliRequest {
  let configPath = DEFAULT_CONFIG;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--version' || arg === '-v') return { kind: 'version' };
    if (arg === '--config') {
      const value = args[++i];
      if (value === undefined || value.startsWith('-')) return { kind: 'error', message: '--config needs a file path' };
      configPath = value;
    } else {
      return { kind: 'error', message: `unknown argument ${JSON.stringify(arg)} (see --help)` };
    }
  }
  return { kind: 'run', configPath };
}
