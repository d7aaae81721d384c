import { ConfigError } from './errors';

/**
 * The error a server that cannot bind its port starts with, naming the setting that chose the port
 * (`http.port: cannot listen on 0.0.0.0:8081: the port is in use`), instead of a bare EADDRINUSE.
 */
export function listenFailure(setting: string, host: string, port: number, err: Error): ConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE' ? 'the port is in use (another gateway or program?)'
    : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
    : code === 'EADDRNOTAVAIL' ? 'the address is not one of this machine\'s (listen_address)'
    : err.message;
  return new ConfigError('CONFIG_INVALID_VALUE', `${setting}: cannot listen on ${host}:${port}: ${why}`, { cause: err, setting });
}
