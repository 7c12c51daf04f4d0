import { describe, expect, it } from 'vitest';
import { parseHostPort } from './host-port.js';
import { createTargetPolicy, upstreamAuthorization } from './target-policy.js';

const policy = createTargetPolicy({
  tokenTargets: [parseHostPort('Legacy.Example:8443'), parseHostPort('[fd00::7]:9100')],
  targets: { 'node.example:10250': { serverName: 'node-1', clientCertificate: false } },
});

describe('createTargetPolicy', () => {
  it('by default presents the certificate, uses the target host as server name and forwards no token', () => {
    expect(policy.settingsFor(parseHostPort('other.example:8443'))).toEqual({ serverName: undefined, clientCertificate: true, forwardToken: false });
  });

  it('matches token targets on canonical host:port, case-insensitively', () => {
    expect(policy.settingsFor(parseHostPort('legacy.example:8443')).forwardToken).toBe(true);
    expect(policy.settingsFor(parseHostPort('LEGACY.example:8443')).forwardToken).toBe(true);
    expect(policy.settingsFor(parseHostPort('[FD00::7]:9100')).forwardToken).toBe(true);
  });

  it('does not match a listed host on another port, or a name that merely contains it', () => {
    expect(policy.settingsFor(parseHostPort('legacy.example:9443')).forwardToken).toBe(false);
    expect(policy.settingsFor(parseHostPort('legacy.example.evil:8443')).forwardToken).toBe(false);
    expect(policy.settingsFor(parseHostPort('x.legacy.example:8443')).forwardToken).toBe(false);
  });

  it('applies per-target overrides', () => {
    expect(policy.settingsFor(parseHostPort('node.example:10250'))).toEqual({ serverName: 'node-1', clientCertificate: false, forwardToken: false });
  });
});

describe('upstreamAuthorization', () => {
  const listed = { serverName: undefined, clientCertificate: true, forwardToken: true };
  const unlisted = { ...listed, forwardToken: false };
  const cases: Array<[string, typeof listed, string | undefined, { configured: boolean; value: string | undefined }, string | undefined]> = [
    ['a non-listed target never gets the scraper token', unlisted, 'Bearer scraper', { configured: false, value: undefined }, undefined],
    ['a non-listed target never gets the configured token', unlisted, undefined, { configured: true, value: 'configured' }, undefined],
    ['a listed target gets the configured token instead of the scraper token', listed, 'Bearer scraper', { configured: true, value: 'configured' }, 'Bearer configured'],
    ['a listed target gets nothing while the token file is empty', listed, 'Bearer scraper', { configured: true, value: '' }, undefined],
    ['a listed target gets the scraper token when no token file is configured', listed, 'Bearer scraper', { configured: false, value: undefined }, 'Bearer scraper'],
    ['a listed target gets nothing when neither exists', listed, undefined, { configured: false, value: undefined }, undefined],
  ];
  it.each(cases)('%s', (_name, settings, scraper, token, expected) => {
    expect(upstreamAuthorization(settings, scraper, token)).toBe(expected);
  });
});
