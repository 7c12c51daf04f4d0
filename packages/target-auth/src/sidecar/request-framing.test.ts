import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METHODS_WITHOUT_BODY, decideRequestFraming, type RequestFraming } from './request-framing.js';

/** CERTSCRAPE_FUZZ_RUNS multiplies the generated cases (as in pkcs's differential suites); 1 in npm test. */
const FUZZ_SCALE = Number(process.env.CERTSCRAPE_FUZZ_RUNS ?? '1');

const decide = (method: string, rawHeaders: string[], httpVersion = '1.1'): RequestFraming => decideRequestFraming({ method, httpVersion, rawHeaders });

describe('decideRequestFraming', () => {
  it.each<[string, string, string[], string, RequestFraming]>([
    ['a GET without framing headers has no body', 'GET', ['Host', 't'], '1.1', { ok: true, body: 'none' }],
    ['a GET with Content-Length: 0 has no body to refuse', 'GET', ['Content-Length', '0'], '1.1', { ok: true, body: 'length', length: 0 }],
    ['a POST with Content-Length is forwarded with that length', 'POST', ['content-length', ' 42 '], '1.1', { ok: true, body: 'length', length: 42 }],
    ['a POST with chunked (any case) is forwarded chunked', 'POST', ['Transfer-Encoding', 'Chunked'], '1.1', { ok: true, body: 'chunked' }],
    ['a GET with a chunked body is refused', 'GET', ['Transfer-Encoding', 'chunked'], '1.1', { ok: false, status: 400, reason: 'body-not-allowed' }],
    ['a HEAD with a Content-Length body is refused', 'HEAD', ['Content-Length', '5'], '1.1', { ok: false, status: 400, reason: 'body-not-allowed' }],
    ['both framing headers are refused', 'POST', ['Transfer-Encoding', 'chunked', 'Content-Length', '5'], '1.1', { ok: false, status: 400, reason: 'transfer-encoding-with-content-length' }],
    ['both framing headers are refused even with Content-Length: 0', 'POST', ['Content-Length', '0', 'Transfer-Encoding', 'chunked'], '1.1', { ok: false, status: 400, reason: 'transfer-encoding-with-content-length' }],
    ['a repeated Content-Length is refused, even when equal', 'POST', ['Content-Length', '5', 'Content-Length', '5'], '1.1', { ok: false, status: 400, reason: 'content-length-repeated' }],
    ['a Content-Length list is refused', 'POST', ['Content-Length', '5, 5'], '1.1', { ok: false, status: 400, reason: 'content-length-invalid' }],
    ['a signed Content-Length is refused', 'POST', ['Content-Length', '+5'], '1.1', { ok: false, status: 400, reason: 'content-length-invalid' }],
    ['a Content-Length padded with NBSP is refused', 'POST', ['Content-Length', '5\u00a0'], '1.1', { ok: false, status: 400, reason: 'content-length-invalid' }],
    ['a Content-Length beyond 2^53 is refused', 'POST', ['Content-Length', '9007199254740993'], '1.1', { ok: false, status: 400, reason: 'content-length-invalid' }],
    ['gzip is not implemented (501)', 'POST', ['Transfer-Encoding', 'gzip'], '1.1', { ok: false, status: 501, reason: 'transfer-encoding-unsupported' }],
    ['gzip then chunked over two lines is not implemented', 'POST', ['Transfer-Encoding', 'gzip', 'Transfer-Encoding', 'chunked'], '1.1', { ok: false, status: 501, reason: 'transfer-encoding-unsupported' }],
    ['chunked twice is not implemented', 'POST', ['Transfer-Encoding', 'chunked, chunked'], '1.1', { ok: false, status: 501, reason: 'transfer-encoding-unsupported' }],
    ['chunked after an empty line is not implemented', 'POST', ['Transfer-Encoding', '', 'Transfer-Encoding', 'chunked'], '1.1', { ok: false, status: 501, reason: 'transfer-encoding-unsupported' }],
    ['an empty Transfer-Encoding is not implemented', 'POST', ['Transfer-Encoding', ''], '1.1', { ok: false, status: 501, reason: 'transfer-encoding-unsupported' }],
    ['chunked in HTTP/1.0 is refused', 'POST', ['Transfer-Encoding', 'chunked'], '1.0', { ok: false, status: 400, reason: 'transfer-encoding-in-http-1.0' }],
    ['Transfer-Encoding in HTTP/2 is refused', 'POST', [':method', 'POST', 'transfer-encoding', 'chunked'], '2.0', { ok: false, status: 400, reason: 'transfer-encoding-in-http-2' }],
    ['HTTP/2 pseudo-headers are skipped', 'POST', [':method', 'POST', ':path', '/metrics', 'content-length', '3'], '2.0', { ok: true, body: 'length', length: 3 }],
    ['a pseudo-header name in HTTP/1.1 is refused', 'GET', [':path', '/admin'], '1.1', { ok: false, status: 400, reason: 'header-name-invalid' }],
    ['a header name with a space (as a lenient parser keeps it) is refused', 'POST', ['Content-Length ', '5'], '1.1', { ok: false, status: 400, reason: 'header-name-invalid' }],
    ['a header value with CR LF (obs-fold kept raw) is refused', 'GET', ['X-A', 'a\r\n b'], '1.1', { ok: false, status: 400, reason: 'header-value-invalid' }],
    ['a header value with a bare LF is refused', 'GET', ['X-A', 'a\nTransfer-Encoding: chunked'], '1.1', { ok: false, status: 400, reason: 'header-value-invalid' }],
    ['a header value with NUL is refused', 'GET', ['X-A', 'a\u0000b'], '1.1', { ok: false, status: 400, reason: 'header-value-invalid' }],
    ['a header value with obs-text and tabs is accepted', 'GET', ['X-A', 'caf\u00e9\tb'], '1.1', { ok: true, body: 'none' }],
  ])('%s', (_name, method, rawHeaders, version, expected) => {
    expect(decide(method, rawHeaders, version)).toEqual(expected);
  });

  it('property: an accepted request has at most one framing header, and a body only on methods that define one', () => {
    const name = fc.constantFrom('Content-Length', 'content-length', 'Transfer-Encoding', 'transfer-encoding', 'X-A', 'Host');
    const value = fc.constantFrom('0', '5', ' 7 ', 'chunked', 'CHUNKED', 'gzip', 'chunked, gzip', '', 'x\r\n y', '-1', '1e3');
    fc.assert(
      fc.property(fc.constantFrom('GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'POST', 'PUT', 'PATCH'), fc.array(fc.tuple(name, value), { maxLength: 4 }), fc.constantFrom('1.0', '1.1'), (method, pairs, version) => {
        const raw = pairs.flat();
        const d = decide(method, raw, version);
        if (!d.ok) return;
        const lengths = pairs.filter(([n]) => n.toLowerCase() === 'content-length');
        const codings = pairs.filter(([n]) => n.toLowerCase() === 'transfer-encoding');
        expect(lengths.length + (codings.length > 0 ? 1 : 0)).toBeLessThanOrEqual(1);
        if (METHODS_WITHOUT_BODY.has(method)) expect(d.body === 'chunked' || (d.body === 'length' && d.length > 0)).toBe(false);
        if (d.body === 'length') expect(String(d.length)).toBe(lengths[0]![1].trim());
        if (d.body === 'chunked') expect(codings.map(([, v]) => v.trim().toLowerCase())).toEqual(['chunked']);
      }),
      { numRuns: 2000 * FUZZ_SCALE },
    );
  });
});
