import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';

/** The certificate chain and key that wss:// and https:// serve, checked to be PEM and to match. */
export interface ServerTlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The leaf certificate, for the start-up log (subject, names, expiry). */
  readonly leaf: X509Certificate;
}

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----';

/**
 * Reads `tls_certificate_file` and `tls_private_key_file` and checks them the way Node's TLS would
 * use them, so that a wrong file stops the start with a sentence naming the setting and the file,
 * not an OpenSSL stack trace from deep inside https.createServer.
 */
export function loadServerTlsFiles(certFile: string, keyFile: string): ServerTlsFiles {
  const cert = readSettingFile('tls_certificate_file', certFile);
  const key = readSettingFile('tls_private_key_file', keyFile);
  const leaf = parseCertificateChain('tls_certificate_file', certFile, cert);
  const privateKey = parsePrivateKey(keyFile, key);
  if (!leaf.checkPrivateKey(privateKey)) {
    throw invalid('tls_private_key_file', `${keyFile} is not the key of the certificate in tls_certificate_file (${certFile})`);
  }
  return { cert, key, leaf };
}

/** Reads PEM CA certificates named by `setting` (e.g. rtmp_tls_ca_file), checking that they are certificates. */
export function loadCaFile(setting: string, file: string): Buffer {
  const bytes = readSettingFile(setting, file);
  parseCertificateChain(setting, file, bytes);
  return bytes;
}

/** The file a setting names, or a ConfigError saying why it cannot be read. */
function readSettingFile(setting: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? (err as Error).message})`;
    throw invalid(setting, `${file} ${why}`, err);
  }
}

/** Checks that `bytes` hold PEM certificates and returns the first (the leaf of a chain). */
function parseCertificateChain(setting: string, file: string, bytes: Buffer): X509Certificate {
  // X509Certificate also reads DER, which Node's TLS options do not take: insist on PEM.
  if (!bytes.toString('latin1').includes(PEM_CERTIFICATE)) {
    throw invalid(setting, `${file} is not a PEM certificate (no "${PEM_CERTIFICATE}" line)`);
  }
  try {
    return new X509Certificate(bytes);
  } catch (err) {
    throw invalid(setting, `${file} holds an unreadable PEM certificate (${(err as Error).message})`, err);
  }
}

function parsePrivateKey(file: string, bytes: Buffer): KeyObject {
  try {
    return createPrivateKey(bytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MISSING_PASSPHRASE') throw invalid('tls_private_key_file', `${file} is encrypted; give the key without a passphrase (openssl pkey -in <file> -out <new file>)`, err);
    throw invalid('tls_private_key_file', `${file} is not a PEM private key (${(err as Error).message})`, err);
  }
}

/** `<setting>: <problem>`, the setting remembered so that the start-up line can say where it was set. */
function invalid(setting: string, problem: string, cause?: unknown): ConfigError {
  return new ConfigError('CONFIG_INVALID_VALUE', `${setting}: ${problem}`, cause === undefined ? { setting } : { cause, setting });
}
