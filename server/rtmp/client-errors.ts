/** Stable reasons a publish session fails; see {@link RtmpClientError}. */
export type RtmpClientErrorCode =
  /** The host name did not resolve. */
  | 'DNS'
  /** Nothing listens on the port. */
  | 'CONNECT_REFUSED'
  /** No answer within the connect timeout (TCP, TLS, handshake or commands). */
  | 'TIMEOUT'
  /** TLS handshake or certificate verification failed. */
  | 'TLS'
  /** The server refused `connect` (wrong app, authentication) or closed the connection in reply. */
  | 'CONNECT_REJECTED'
  /** The server refused `publish` (bad or busy stream key) or closed the connection in reply. */
  | 'PUBLISH_REJECTED'
  /** The server sent bytes that are not valid RTMP. */
  | 'PROTOCOL'
  /** The connection failed or closed for another reason. */
  | 'SOCKET'
  /** The caller aborted or closed the session. */
  | 'ABORTED';

/** Why an RTMP publish session could not start or ended. */
export class RtmpClientError extends Error {
  override readonly name = 'RtmpClientError';

  constructor(
    readonly code: RtmpClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DNS_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
/** OpenSSL certificate verification results as Node reports them in `err.code`. */
const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

/** Maps a socket or TLS error from Node to an RtmpClientError keeping the original as `cause`. */
export function classifySocketError(error: Error): RtmpClientError {
  if (error instanceof RtmpClientError) return error;
  const { code, library } = error as Error & { code?: unknown; library?: unknown };
  const text = typeof code === 'string' ? code : '';
  let kind: RtmpClientErrorCode = 'SOCKET';
  if (DNS_CODES.has(text)) kind = 'DNS';
  else if (text === 'ECONNREFUSED') kind = 'CONNECT_REFUSED';
  else if (text === 'ETIMEDOUT') kind = 'TIMEOUT';
  else if (CERTIFICATE_CODES.has(text) || text.startsWith('ERR_TLS_') || text.startsWith('ERR_SSL_') || library === 'SSL routines') kind = 'TLS';
  return new RtmpClientError(kind, error.message, { cause: error });
}
