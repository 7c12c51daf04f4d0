import type { NameInput } from '@certscrape/pkcs';
import { DEFAULT_SCRAPER_USERNAME, SYSTEM_MASTERS } from './defaults.js';
import { IdentityError } from './errors.js';

/**
 * Who the scraper is to its targets. The certificate subject is `CN=<username>`
 * followed by one `O=<group>` RDN per group, in order. Default: the Prometheus
 * service account, no groups.
 */
export interface ScraperIdentity {
  readonly username: string;
  readonly groups: readonly string[];
}

/** The default scraper identity: `system:serviceaccount:monitoring:prometheus-k8s`, no groups. */
export const DEFAULT_SCRAPER_IDENTITY: ScraperIdentity = Object.freeze({ username: DEFAULT_SCRAPER_USERNAME, groups: Object.freeze([]) as readonly string[] });

/**
 * Validates an identity: non-empty username and groups without surrounding
 * whitespace or control characters, no duplicate group, never `system:masters`.
 * Throws `IDENTITY_ERR_INVALID_IDENTITY`.
 */
export function scraperIdentity(username: string, groups: readonly string[] = []): ScraperIdentity {
  const bad = (what: string, value: string): never => {
    throw new IdentityError('IDENTITY_ERR_INVALID_IDENTITY', `invalid scraper identity: ${what} ${JSON.stringify(value)}`);
  };
  if (!isCleanName(username)) bad('username', username);
  for (const g of groups) {
    if (!isCleanName(g)) bad('group', g);
    if (g === SYSTEM_MASTERS) bad('group (never grantable through this path)', g);
  }
  if (new Set(groups).size !== groups.length) bad('duplicate group in', groups.join(','));
  return Object.freeze({ username, groups: Object.freeze([...groups]) });
}

/** The exact certificate subject for an identity: `[[CN=username], [O=g1], [O=g2], ...]`. */
export function identitySubject(id: ScraperIdentity): NameInput {
  return [[{ type: 'CN', value: id.username }], ...id.groups.map((g) => [{ type: 'O', value: g }])];
}

function isCleanName(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return s.length > 0 && s.length <= 256 && s.trim() === s && !/[\u0000-\u001f\u007f]/.test(s);
}
