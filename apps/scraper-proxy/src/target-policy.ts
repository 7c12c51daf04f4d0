import type { HostPort } from './host-port.js';

/** Per-target overrides, keyed in config by canonical `host:port`. Unset fields take the defaults of `TargetSettings`. */
export interface TargetOverride {
  /** TLS server name (SNI and certificate name check); default: the target host (IP targets: no SNI, IP SAN check). */
  readonly serverName?: string;
  /** Present the client certificate to this target; default true (always present it, as the enhancement suggests). */
  readonly clientCertificate?: boolean;
}

/** The effective settings for one target. */
export interface TargetSettings {
  readonly serverName: string | undefined;
  readonly clientCertificate: boolean;
  /** The target is listed in --token-targets: an Authorization header may be sent to it. */
  readonly forwardToken: boolean;
}

/** Decides, per target, how to scrape it. Pure; built once from config. */
export interface TargetPolicy {
  settingsFor(target: HostPort): TargetSettings;
}

/** Builds the policy. Matching is exact on the canonical `host:port` (host lower-cased, IPv6 bracketed); no wildcards. */
export function createTargetPolicy(options: { tokenTargets: readonly HostPort[]; targets: Readonly<Record<string, TargetOverride>> }): TargetPolicy {
  const tokenTargets = new Set(options.tokenTargets.map((t) => t.authority));
  const overrides = new Map(Object.entries(options.targets));
  return {
    settingsFor(target: HostPort): TargetSettings {
      const o = overrides.get(target.authority);
      return {
        serverName: o?.serverName,
        clientCertificate: o?.clientCertificate ?? true,
        forwardToken: tokenTargets.has(target.authority),
      };
    },
  };
}

/**
 * The Authorization header value to send upstream, or undefined to send none:
 * - target not listed for token forwarding: none, whatever the scraper sent (a token must never reach an arbitrary target);
 * - listed and a --token-file is configured: `Bearer <token>` (when the file is non-empty);
 * - listed and no token file: the scraper's own Authorization header, unchanged (migration for scrapers that keep their token).
 */
export function upstreamAuthorization(settings: TargetSettings, scraperAuthorization: string | undefined, token: { configured: boolean; value: string | undefined }): string | undefined {
  if (!settings.forwardToken) return undefined;
  if (token.configured) return token.value === undefined || token.value === '' ? undefined : `Bearer ${token.value}`;
  return scraperAuthorization;
}
