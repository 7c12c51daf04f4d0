import { describe, expect, it } from 'vitest';
import { isProxyError } from './errors.js';
import { parseHostPort } from './host-port.js';

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:9092', '127.0.0.1', 9092, '127.0.0.1:9092'],
    ['[::1]:0', '::1', 0, '[::1]:0'],
    ['Node-1.Example:10250', 'node-1.example', 10250, 'node-1.example:10250'],
    ['localhost:1', 'localhost', 1, 'localhost:1'],
  ])('%s', (text, host, port, authority) => {
    expect(parseHostPort(text)).toEqual({ host, port, authority });
  });

  it('applies the default port only when one is given', () => {
    expect(parseHostPort('a.example', 443).authority).toBe('a.example:443');
    expect(() => parseHostPort('a.example')).toThrow(expect.objectContaining({ code: 'PROXY_ERR_HOST_PORT' }));
  });

  it.each(['::1:80', 'a.example:', 'a.example:65536', 'a.example:-1', '[::1', '[zz]:1', 'a b:1', ':80', 'a.example:80x'])('refuses %s', (text) => {
    let error: unknown;
    try {
      parseHostPort(text);
    } catch (e) {
      error = e;
    }
    expect(isProxyError(error, 'PROXY_ERR_HOST_PORT')).toBe(true);
  });
});
