// A test oracle: splits the raw bytes an upstream received into HTTP/1.1 requests the way
// different upstream servers would, so a test can require that every reading agrees.
// - strict: RFC 9112 exactly (CRLF only, no obs-fold, one framing header, chunked only);
// - lenient readings that real servers have shipped: bare LF ends a line (many), Content-Length
//   wins over Transfer-Encoding (old proxies), a body is never read on GET/HEAD (some servers).
// Independent of llhttp on purpose: it is the second parser the bytes must satisfy.

/** One request as a parser delimited it. */
export interface RawRequest {
  readonly method: string;
  readonly target: string;
  /** Header names (as sent) and values, alternating. */
  readonly headers: readonly string[];
  readonly body: Buffer;
}

/** The result of reading a byte stream: the requests found and, if reading stopped early, why. */
export interface RawParse {
  readonly requests: readonly RawRequest[];
  readonly error?: string;
}

/** How a parser reads ambiguous bytes. */
export type Reading = 'strict' | 'bare-lf' | 'content-length-wins' | 'no-body-on-get';

/** Every reading, for "all readings agree" checks. */
export const READINGS: readonly Reading[] = ['strict', 'bare-lf', 'content-length-wins', 'no-body-on-get'];

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Reads `bytes` (one connection's worth) as a sequence of requests under `reading`. */
export function parseRequests(bytes: Buffer, reading: Reading = 'strict'): RawParse {
  const requests: RawRequest[] = [];
  let pos = 0;
  const line = (): string | undefined => {
    const lf = bytes.indexOf(0x0a, pos);
    if (lf === -1) return undefined;
    let end = lf;
    if (end > pos && bytes[end - 1] === 0x0d) end--;
    else if (reading !== 'bare-lf') throw new Error(`bare LF at ${lf}`);
    const s = bytes.subarray(pos, end).toString('latin1');
    if (s.includes('\r')) throw new Error(`bare CR before ${lf}`);
    pos = lf + 1;
    return s;
  };
  try {
    while (pos < bytes.length) {
      const start = pos;
      const requestLine = line();
      if (requestLine === undefined) return { requests, error: `incomplete request line at ${start}` };
      const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([^ ]+) HTTP\/1\.[01]$/.exec(requestLine);
      if (m === null) return { requests, error: `bad request line ${JSON.stringify(requestLine.slice(0, 80))}` };
      const headers: string[] = [];
      const lengths: string[] = [];
      const codings: string[] = [];
      for (;;) {
        const h = line();
        if (h === undefined) return { requests, error: 'incomplete header section' };
        if (h === '') break;
        if (h.startsWith(' ') || h.startsWith('\t')) return { requests, error: 'obs-fold' };
        const colon = h.indexOf(':');
        const name = colon === -1 ? '' : h.slice(0, colon);
        if (!TOKEN.test(name)) return { requests, error: `bad header line ${JSON.stringify(h.slice(0, 80))}` };
        const value = h.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
        headers.push(name, value);
        const lower = name.toLowerCase();
        if (lower === 'content-length') lengths.push(value);
        if (lower === 'transfer-encoding') codings.push(...value.split(',').map((c) => c.trim().toLowerCase()));
      }
      const method = m[1] as string;
      let body: Buffer = Buffer.alloc(0);
      const bodyless = reading === 'no-body-on-get' && (method === 'GET' || method === 'HEAD');
      const useChunked = codings.length > 0 && !(reading === 'content-length-wins' && lengths.length > 0);
      if (bodyless) {
        // this reading never reads a body here
      } else if (useChunked) {
        if (reading === 'strict' && lengths.length > 0) return { requests, error: 'Transfer-Encoding with Content-Length' };
        if (codings.length !== 1 || codings[0] !== 'chunked') return { requests, error: `unsupported coding ${codings.join(',')}` };
        const parts: Buffer[] = [];
        for (;;) {
          const sizeLine = line();
          if (sizeLine === undefined) return { requests, error: 'incomplete chunk size' };
          const sm = /^([0-9A-Fa-f]+)(;.*)?$/.exec(sizeLine);
          if (sm === null) return { requests, error: `bad chunk size ${JSON.stringify(sizeLine.slice(0, 40))}` };
          const size = parseInt(sm[1] as string, 16);
          if (size === 0) break;
          if (pos + size + 2 > bytes.length) return { requests, error: 'incomplete chunk' };
          parts.push(bytes.subarray(pos, pos + size));
          pos += size;
          if (line() !== '') return { requests, error: 'chunk not followed by CRLF' };
        }
        for (;;) {
          const t = line();
          if (t === undefined) return { requests, error: 'incomplete trailers' };
          if (t === '') break;
        }
        body = Buffer.concat(parts);
      } else if (lengths.length > 0) {
        if (lengths.length > 1 || !/^[0-9]+$/.test(lengths[0] as string)) return { requests, error: `bad Content-Length ${lengths.join(',')}` };
        const n = Number(lengths[0]);
        if (pos + n > bytes.length) return { requests, error: 'incomplete body' };
        body = bytes.subarray(pos, pos + n);
        pos += n;
      }
      requests.push({ method, target: m[2] as string, headers, body: Buffer.from(body) });
    }
  } catch (e) {
    return { requests, error: (e as Error).message };
  }
  return { requests };
}

/** The value of header `name` (case-insensitive) in a raw header list, joined with ", ". */
export function headerValue(headers: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  const found: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) if ((headers[i] as string).toLowerCase() === lower) found.push(headers[i + 1] as string);
  return found.length === 0 ? undefined : found.join(', ');
}
