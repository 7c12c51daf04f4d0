import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { redactText } from './redact.js';

const { privateKey: rsa } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const { privateKey: ec } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEMS = [rsa.export({ type: 'pkcs8', format: 'pem' }) as string, rsa.export({ type: 'pkcs1', format: 'pem' }) as string, ec.export({ type: 'sec1', format: 'pem' }) as string];
// A JWT-shaped service-account token (header {"alg":"RS256"}; the payload and signature are random).
const jwt = (payload: string, sig: string) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(payload).toString('base64url')}.${Buffer.from(sig).toString('base64url')}`;

/** The secret material each case hides: these substrings must never appear in output. */
function markers(secret: string): string[] {
  if (secret.includes('PRIVATE KEY')) return secret.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
  return [secret.replace(/^(Bearer|Basic) /, '')];
}

const secret = fc.oneof(
  fc.constantFrom(...PEMS),
  fc.constantFrom(...PEMS).map((p) => p.slice(0, Math.floor(p.length / 2))), // a truncated key
  fc.tuple(fc.string({ minLength: 8, maxLength: 40 }), fc.string({ minLength: 16, maxLength: 40 })).map(([p, s]) => jwt(p, s)),
  fc.stringMatching(/^[A-Za-z0-9._~+/-]{20,40}$/).map((t) => `Bearer ${t}`),
);

function capture(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, log: createLogger({ name: 'test', level: 'trace', destination: { write: (l: string) => void lines.push(l) } }) };
}

describe('createLogger redaction', () => {
  it('keeps the one JSON shape: level label, ISO time, name, msg', () => {
    const { lines, log } = capture();
    log.info({ csr: 'x' }, 'hello');
    expect(JSON.parse(lines[0] as string)).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), name: 'test', csr: 'x', msg: 'hello' });
  });

  it('censors named secret fields', () => {
    const { lines, log } = capture();
    log.info({ keyPem: 'k', nested: { token: 'opaque', privateKey: 'k' }, headers: { authorization: 'Basic dXNlcjpw' }, password: 'p' }, 'x');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ keyPem: '[REDACTED]', nested: { token: '[REDACTED]', privateKey: '[REDACTED]' }, headers: { authorization: '[REDACTED]' }, password: '[REDACTED]' });
  });

  it('removes private keys, JWTs and bearer tokens from every field, nested value, error and message', () => {
    fc.assert(
      fc.property(secret, fc.constantFrom('field', 'nested', 'array', 'message', 'error', 'errorCause', 'header'), fc.string({ maxLength: 10 }), (s, where, noise) => {
        const { lines, log } = capture();
        const text = `${noise}${s}${noise}`;
        switch (where) {
          case 'field':
            log.info({ detail: text }, 'm');
            break;
          case 'nested':
            log.warn({ a: { b: { c: text } } }, 'm');
            break;
          case 'array':
            log.info({ list: ['x', text] }, 'm');
            break;
          case 'message':
            log.info(`failed with ${text}`);
            break;
          case 'error':
            log.error({ err: new Error(`bad ${text}`) }, 'm');
            break;
          case 'errorCause':
            log.error({ err: new Error('outer', { cause: new Error(text) }) }, 'm');
            break;
          case 'header':
            log.info({ req: { headers: { 'x-forwarded-authorization': text } } }, 'm');
            break;
        }
        const out = lines.join('');
        for (const l of lines) JSON.parse(l); // still valid JSON
        for (const m of markers(s)) expect(out).not.toContain(m);
      }),
      { numRuns: 150 },
    );
  });

  it('redacts Authorization values written as text, and leaves harmless text alone', () => {
    expect(redactText('sent Authorization: Basic dXNlcjpwYXNz to x')).not.toContain('dXNlcjpwYXNz');
    expect(redactText('{"msg":"proxy-authorization=abc123"}')).not.toContain('abc123');
    const plain = '{"level":"info","msg":"loaded client certificate","subject":"CN=system:serviceaccount:monitoring:prometheus-k8s"}';
    expect(redactText(plain)).toBe(plain);
  });
});
