import { PkcsError } from './errors.js';

/** One PEM block: its label (e.g. "CERTIFICATE") and the decoded DER bytes. */
export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** Options for the PEM decoders. */
export interface PemDecodeOptions {
  /** Allow non-whitespace text outside the blocks (RFC 7468 explanatory text). Default false. */
  readonly allowExplanatoryText?: boolean;
}

const BEGIN = /^-----BEGIN ([\x21-\x2c\x2e-\x7e](?:[\x21-\x7e ]*[\x21-\x2c\x2e-\x7e])?)-----$/;
const END = /^-----END (.*)-----$/;
const BASE64_LINE = /^[A-Za-z0-9+/=]+$/;

/**
 * Decodes every PEM block in `text`, strictly: matching BEGIN/END labels, base64-only bodies
 * (no RFC 1421 headers: PKCS_ERR_PEM_HEADERS), canonical padding, and no text outside blocks
 * unless `allowExplanatoryText` (PKCS_ERR_PEM_TRAILING). At least one block, else PKCS_ERR_PEM_EMPTY.
 */
export function decodePemBlocks(text: string, options: PemDecodeOptions = {}): PemBlock[] {
  if (typeof text !== 'string') throw new PkcsError('PKCS_ERR_PEM_MALFORMED', 'PEM input must be a string');
  const lines = text.split(/\r?\n/);
  const blocks: PemBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!.trimEnd();
    const begin = BEGIN.exec(line);
    if (!begin) {
      if (line.includes('-----') || /^-*(BEGIN|END) /.test(line.trim())) {
        throw new PkcsError('PKCS_ERR_PEM_MALFORMED', `line ${i + 1}: malformed PEM boundary`);
      }
      if (line.trim() !== '' && !options.allowExplanatoryText) {
        throw new PkcsError('PKCS_ERR_PEM_TRAILING', `line ${i + 1}: text outside a PEM block`);
      }
      i++;
      continue;
    }
    const label = begin[1]!;
    const body: string[] = [];
    i++;
    let closed = false;
    while (i < lines.length) {
      const l = lines[i]!.trim();
      const end = END.exec(l);
      if (end) {
        if (end[1] !== label) throw new PkcsError('PKCS_ERR_PEM_MALFORMED', `line ${i + 1}: END label ${JSON.stringify(end[1])} does not match BEGIN ${JSON.stringify(label)}`);
        closed = true;
        i++;
        break;
      }
      if (l.includes('-----')) throw new PkcsError('PKCS_ERR_PEM_MALFORMED', `line ${i + 1}: unexpected boundary inside ${label} block`);
      if (l.includes(':')) throw new PkcsError('PKCS_ERR_PEM_HEADERS', `line ${i + 1}: PEM headers are not supported`);
      if (l !== '') {
        if (!BASE64_LINE.test(l)) throw new PkcsError('PKCS_ERR_PEM_MALFORMED', `line ${i + 1}: invalid base64 in ${label} block`);
        body.push(l);
      }
      i++;
    }
    if (!closed) throw new PkcsError('PKCS_ERR_PEM_MALFORMED', `${label} block has no END line`);
    blocks.push({ label, der: decodeBase64Strict(body.join(''), label) });
  }
  if (blocks.length === 0) throw new PkcsError('PKCS_ERR_PEM_EMPTY', 'no PEM block found');
  return blocks;
}

/**
 * Decodes exactly one PEM block labelled exactly `label`. Another label: PKCS_ERR_PEM_LABEL;
 * more than one block: PKCS_ERR_PEM_MULTIPLE; other errors as {@link decodePemBlocks}.
 */
export function decodePem(text: string, label: string, options: PemDecodeOptions = {}): Uint8Array {
  const blocks = decodePemBlocks(text, options);
  if (blocks.length > 1) throw new PkcsError('PKCS_ERR_PEM_MULTIPLE', `expected one ${label} block, found ${blocks.length} blocks`);
  const block = blocks[0]!;
  if (block.label !== label) throw new PkcsError('PKCS_ERR_PEM_LABEL', `expected a ${label} block, found ${block.label}`);
  return block.der;
}

/** Encodes DER as a PEM block: 64-column base64 lines and a trailing newline. */
export function encodePem(der: Uint8Array, label: string): string {
  const b64 = encodeBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${label}-----\n`;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const REVERSE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) REVERSE[ALPHABET.charCodeAt(i)] = i;

function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    chunk +=
      ALPHABET[a >> 2]! +
      ALPHABET[((a & 3) << 4) | ((b ?? 0) >> 4)]! +
      (b === undefined ? '=' : ALPHABET[((b & 15) << 2) | ((c ?? 0) >> 6)]!) +
      (c === undefined ? '=' : ALPHABET[c & 63]!);
    if (chunk.length >= 4096) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

function decodeBase64Strict(s: string, label: string): Uint8Array {
  const bad = (why: string) => new PkcsError('PKCS_ERR_PEM_MALFORMED', `${label} block: ${why}`);
  if (s.length === 0) throw bad('empty body');
  if (s.length % 4 !== 0) throw bad('base64 length is not a multiple of 4');
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  if (s.slice(0, s.length - pad).includes('=')) throw bad('padding inside base64 data');
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const v = [0, 1, 2, 3].map((k) => {
      const ch = s.charCodeAt(i + k);
      return ch === 61 ? 0 : (REVERSE[ch] ?? -1);
    });
    if (v.some((x) => x < 0)) throw bad('invalid base64 character');
    const n = (v[0]! << 18) | (v[1]! << 12) | (v[2]! << 6) | v[3]!;
    if (o < out.length) out[o++] = (n >> 16) & 0xff;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  // Non-canonical encodings (non-zero bits under the padding) are rejected: they alias other inputs.
  const last = s.length - pad - 1;
  const lastVal = REVERSE[s.charCodeAt(last)]!;
  if ((pad === 1 && (lastVal & 3) !== 0) || (pad === 2 && (lastVal & 15) !== 0)) throw bad('non-canonical base64 padding bits');
  return out;
}

/**
 * @internal Freezes `fields` plus an enumerable, memoized `pem` getter (encoding is deferred until asked:
 * hot paths such as CSR evaluation never need it).
 */
export function freezeWithLazyPem<T extends { readonly pem: string }>(fields: Omit<T, 'pem'>, der: Uint8Array, label: string): T {
  let pem: string | undefined;
  const obj = { ...fields };
  Object.defineProperty(obj, 'pem', { enumerable: true, get: () => (pem ??= encodePem(der, label)) });
  return Object.freeze(obj) as T;
}
