/** What replaces redacted material. */
export const REDACTED = '[REDACTED]';

// A PEM private key block (any flavour: PRIVATE KEY, RSA/EC/ENCRYPTED PRIVATE KEY), closed or cut
// off: a cut-off block is redacted to the end of the JSON string (up to an unescaped quote).
const PEM_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----(?:(?:(?!-----END)[\s\S])*?-----END ([A-Z0-9]+ )*PRIVATE KEY-----|(?:[^"\\]|\\.)*)/g;
// `Bearer <token>` anywhere (headers, messages, error text), case-insensitive as HTTP is.
const BEARER = /(bearer)(\s+|\\[nrt]|%20)+[A-Za-z0-9\-._~+/]+=*/gi;
// JWT-shaped strings (Kubernetes service-account tokens): base64url JSON header "eyJ", two dots.
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
// An Authorization (or Proxy-Authorization) header value in JSON (`"authorization":"..."`) or
// text (`Authorization: Basic abc`): everything up to the end of the value.
const AUTH_JSON = /("(?:proxy-)?authorization"\s*:\s*")((?:[^"\\]|\\.)*)"/gi;
const AUTH_TEXT = /\b((?:proxy-)?authorization\s*[:=]\s*)(?!"|\[REDACTED\])((?:[^"\\,;}\s]|\\.)+(?: +(?:[^"\\,;}\s]|\\.)+)?)/gi;

/** Cheap pre-check: does `text` contain anything {@link redactText} might change? */
function suspicious(text: string): boolean {
  return /PRIVATE KEY|bearer|eyJ|authorization/i.test(text);
}

/**
 * Redacts secret material from one serialized log line (JSON or plain text) without breaking its
 * JSON: PEM private-key blocks (closed or truncated), `Bearer` tokens, JWT-shaped strings and
 * Authorization header values, wherever they appear — in any field, nested object, error message
 * or stack, or the message itself. It works on the text, so no field name can slip past it.
 */
export function redactText(text: string): string {
  if (!suspicious(text)) return text;
  return text
    .replace(PEM_KEY, REDACTED)
    .replace(AUTH_JSON, (_m, head: string) => `${head}${REDACTED}"`)
    .replace(AUTH_TEXT, (_m, head: string) => `${head}${REDACTED}`)
    .replace(BEARER, (_m, word: string) => `${word} ${REDACTED}`)
    .replace(JWT, REDACTED);
}
