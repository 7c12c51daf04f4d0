import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Shapes of secret material that must never appear in a log, whatever its value. */
const SHAPES: readonly { readonly name: string; readonly re: RegExp }[] = [
  { name: 'PEM private key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: 'JWT', re: /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { name: 'Bearer token', re: /bearer\s+(?!\[REDACTED\])[A-Za-z0-9._~+/-]{8,}/i },
];

/** One finding: what was found where (never the secret itself). */
export interface SecretFinding {
  readonly where: string;
  readonly what: string;
}

/**
 * Finds secret material in log text: any PEM private-key header, JWT-shaped string or Bearer
 * token, and any of `known` (exact secrets the test planted: key bodies, token values; pieces
 * shorter than 16 characters are ignored so a finding is never a coincidence).
 */
export function findSecretMaterial(text: string, where: string, known: readonly string[] = []): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const { name, re } of SHAPES) if (re.test(text)) found.push({ where, what: name });
  for (const [i, k] of known.entries()) if (k.length >= 16 && text.includes(k)) found.push({ where, what: `planted secret #${i}` });
  return found;
}

/** The base64 body lines of a PEM block (what must not leak when a key does). */
export function pemBodyLines(pem: string): string[] {
  return pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'));
}

/** {@link findSecretMaterial} over every `*.log` file below `dir` (an integration or e2e run's logs). */
export function scanLogDir(dir: string, known: readonly string[] = []): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...scanLogDir(path, known));
    else if (name.endsWith('.log')) found.push(...findSecretMaterial(readFileSync(path, 'utf8'), path, known));
  }
  return found;
}
