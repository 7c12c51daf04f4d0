import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('writes JSON lines and redacts keys, tokens and authorization headers', () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _e, cb) => (lines.push(String(chunk)), cb()) });
    const log = createLogger({ name: 'test', destination });
    log.info({ csr: 'x', keyPem: '-----BEGIN PRIVATE KEY-----', nested: { token: 'eyJhbGci', privateKey: 'k' }, headers: { authorization: 'Bearer abc' } }, 'hello');
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', name: 'test', msg: 'hello', csr: 'x', keyPem: '[REDACTED]', nested: { token: '[REDACTED]', privateKey: '[REDACTED]' }, headers: { authorization: '[REDACTED]' } });
    expect(lines.join('')).not.toMatch(/BEGIN PRIVATE KEY|eyJhbGci|Bearer abc/);
  });
});
