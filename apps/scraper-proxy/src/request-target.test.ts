import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target.js';

describe('parseRequestTarget', () => {
  const forwards: Array<[string, string, string, string, 'absolute' | 'path']> = [
    ['absolute form as Prometheus sends it with proxy_url', 'http://10.0.0.5:8443/metrics', '10.0.0.5:8443', '/metrics', 'absolute'],
    ['absolute form keeps the query', 'http://node-1.example:9100/metrics?collect[]=cpu', 'node-1.example:9100', '/metrics?collect[]=cpu', 'absolute'],
    ['absolute form lower-cases the host', 'http://Kube-State-Metrics.Monitoring.svc:8443/metrics', 'kube-state-metrics.monitoring.svc:8443', '/metrics', 'absolute'],
    ['absolute form without a port means 443 (the proxy always speaks TLS upstream)', 'http://api.example/metrics', 'api.example:443', '/metrics', 'absolute'],
    ['absolute https form is treated the same', 'https://api.example:6443/metrics', 'api.example:6443', '/metrics', 'absolute'],
    ['absolute form with IPv6 keeps brackets in the authority', 'http://[fd00::1]:9100/metrics', '[fd00::1]:9100', '/metrics', 'absolute'],
    ['absolute form with no path asks for /', 'http://a.example:1', 'a.example:1', '/', 'absolute'],
    ['path form', '/proxy/10.0.0.5:8443/metrics', '10.0.0.5:8443', '/metrics', 'path'],
    ['path form with query', '/proxy/etcd.kube-system.svc:2379/metrics?x=1', 'etcd.kube-system.svc:2379', '/metrics?x=1', 'path'],
    ['path form without path asks for /', '/proxy/a.example:8443', 'a.example:8443', '/', 'path'],
    ['path form with only a query', '/proxy/a.example:8443?x=1', 'a.example:8443', '/?x=1', 'path'],
    ['path form with IPv6', '/proxy/[::1]:9443/metrics', '[::1]:9443', '/metrics', 'path'],
    ['path form with percent-encoded IPv6', '/proxy/%5B::1%5D:9443/metrics', '[::1]:9443', '/metrics', 'path'],
    ['path form without a port means 443', '/proxy/a.example/metrics', 'a.example:443', '/metrics', 'path'],
  ];
  it.each(forwards)('%s', (_name, url, authority, path, form) => {
    expect(parseRequestTarget('GET', url)).toEqual({ kind: 'forward', form, target: expect.objectContaining({ authority }), path });
  });

  it('an origin-form request outside /proxy/ is for the proxy itself', () => {
    expect(parseRequestTarget('GET', '/healthz')).toEqual({ kind: 'local', path: '/healthz' });
  });

  const invalid: Array<[string, string, string, number]> = [
    ['CONNECT is refused: the proxy must see the request to originate TLS', 'CONNECT', 'a.example:443', 405],
    ['credentials in the URL are refused', 'GET', 'http://user:pw@a.example:1/metrics', 400],
    ['an invalid host is refused', 'GET', 'http://a_b$:1/metrics', 400],
    ['path form without a target is refused', 'GET', '/proxy/', 400],
    ['path form with a bad port is refused', 'GET', '/proxy/a.example:99999/metrics', 400],
    ['path form with unbracketed IPv6 is refused', 'GET', '/proxy/::1:9443/metrics', 400],
    ['an asterisk-form target is refused', 'OPTIONS', '*', 400],
    ['a scheme other than http(s) is refused', 'GET', 'ftp://a.example/x', 400],
  ];
  it.each(invalid)('%s', (_name, method, url, status) => {
    const r = parseRequestTarget(method, url);
    expect(r.kind).toBe('invalid');
    expect(r.kind === 'invalid' && r.status).toBe(status);
  });
});
