import { describe, expect, it } from 'vitest';
import { joinHostPort, parseBindAddress, parseHostPort, splitHostPort } from './host-port.js';

// Cases chosen after reading Go's net.SplitHostPort tests (ipsock_test.go): brackets, zones,
// IPv4 in brackets, empty host/port, stray brackets and colons. Go itself checks us in
// host-port.go-oracle.int.test.ts.
describe('splitHostPort (Go net.SplitHostPort)', () => {
  it.each([
    ['localhost:http', 'localhost', 'http'],
    ['localhost:80', 'localhost', '80'],
    ['127.0.0.1:80', '127.0.0.1', '80'],
    ['[::1]:80', '::1', '80'],
    ['[fe80::1%lo0]:80', 'fe80::1%lo0', '80'],
    ['[1.2.3.4]:80', '1.2.3.4', '80'],
    ['[localhost]:80', 'localhost', '80'],
    [':80', '', '80'],
    ['host:', 'host', ''],
    [':', '', ''],
    ['[]:80', '', '80'],
    ['[::1]:', '::1', ''],
  ])('%j -> host %j port %j', (text, host, port) => expect(splitHostPort(text)).toEqual({ host, port }));

  it.each([
    ['golang.org', 'missing port'],
    ['127.0.0.1', 'missing port'],
    ['[::1]', 'missing port'],
    ['[fe80::1%lo0]', 'missing port'],
    ['[localhost]', 'missing port'],
    ['::1:80', 'too many colons'],
    ['fe80::1%lo0:80', 'too many colons'],
    ['[::1]:80:1', 'too many colons'],
    ['[::1]x:80', 'missing port'],
    ['[::1', "missing ']'"],
    ['[foo:bar]', 'missing port'],
    ['[foo:bar]baz', 'missing port'],
    ['[foo]bar:baz', 'missing port'],
    ['[foo]:[bar]:baz', 'too many colons'],
    ['[foo]:[bar]baz', "unexpected '['"],
    ['foo[bar]:baz', "unexpected '['"],
    ['foo]bar:baz', "unexpected ']'"],
    ['', 'missing port'],
  ])('refuses %j (%s)', (text, why) => expect(() => splitHostPort(text)).toThrow(expect.objectContaining({ code: 'PROCESS_KIT_ERR_HOST_PORT', message: expect.stringContaining(why) })));

  it('joins as Go does', () => {
    expect(joinHostPort('::1', 80)).toBe('[::1]:80');
    expect(joinHostPort('a.example', '443')).toBe('a.example:443');
  });
});

describe('parseHostPort / parseBindAddress', () => {
  it.each([
    ['example.com', 'example.com:443'],
    ['[::1]', '[::1]:443'],
    ['10.0.0.1', '10.0.0.1:443'],
    ['example.com:8443', 'example.com:8443'],
  ])('with defaultPort 443, %j -> %j', (text, authority) => expect(parseHostPort(text, { defaultPort: 443 }).authority).toBe(authority));
  it('with defaultPort, still refuses what is malformed for another reason than a missing port', () => {
    for (const text of ['a:b:c', '[::1', '[::1]x', 'bad host']) {
      expect(() => parseHostPort(text, { defaultPort: 443 })).toThrow(expect.objectContaining({ code: 'PROCESS_KIT_ERR_HOST_PORT' }));
    }
  });

  it.each([
    ['127.0.0.1:9092', '127.0.0.1', 9092, '127.0.0.1:9092'],
    ['[::1]:0', '::1', 0, '[::1]:0'],
    ['[10.0.0.1]:9100', '10.0.0.1', 9100, '10.0.0.1:9100'],
    ['Node-1.Example:10250', 'node-1.example', 10250, 'node-1.example:10250'],
  ])('%j', (text, host, port, authority) => expect(parseHostPort(text)).toEqual({ host, port, authority }));

  it.each(['::1:80', 'a.example:', 'a.example:65536', 'a.example:-1', 'a.example:http', '[zz]:1', 'a b:1', ':80', '[]:80'])('refuses %j', (text) =>
    expect(() => parseHostPort(text)).toThrow(expect.objectContaining({ code: 'PROCESS_KIT_ERR_HOST_PORT' })),
  );

  it('reads bind addresses as controller-runtime: 0 disables, :port means all interfaces', () => {
    expect(parseBindAddress('0')).toBeUndefined();
    expect(parseBindAddress(':8080')).toEqual({ host: '', port: 8080, authority: ':8080' });
    expect(parseBindAddress('[::]:8443')).toMatchObject({ host: '::', port: 8443 });
    for (const bad of ['8080', '::1:80', 'localhost', ':99999']) expect(() => parseBindAddress(bad, '--metrics-bind-address')).toThrow(/--metrics-bind-address/);
  });
});
