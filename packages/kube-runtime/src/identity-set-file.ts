import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { IdentityError, parseIdentitySet, type IdentitySet } from '@certscrape/identity';

/**
 * Parses the text of an identities file (`kind: ScraperIdentities`, YAML 1.2 or JSON) the one way
 * both controllers read it: one document, duplicate keys refused, then the pure validation of
 * `@certscrape/identity` (`parseIdentitySet`). Throws `IDENTITY_ERR_INVALID_IDENTITY_SET` naming
 * `source` and every problem; the YAML parser's message is kept as the `cause` only (it may
 * quote the input).
 */
export function parseIdentitySetText(text: string, source: string): IdentitySet {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true, merge: false, maxAliasCount: 100 });
  } catch (cause) {
    throw new IdentityError('IDENTITY_ERR_INVALID_IDENTITY_SET', `${source}: not a single valid YAML document`, { cause });
  }
  return parseIdentitySet(doc, source);
}

/** Reads and parses an identities file (`--identities-file`); an unreadable file is `IDENTITY_ERR_INVALID_IDENTITY_SET` too. */
export function readIdentitySetFile(path: string): IdentitySet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new IdentityError('IDENTITY_ERR_INVALID_IDENTITY_SET', `${path}: cannot read the identities file (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
  }
  return parseIdentitySetText(text, path);
}
