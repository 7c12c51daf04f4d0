import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { E2eError } from './errors.js';

/** What a (current-context) kubeconfig says about how to reach and authenticate to kube-apiserver. */
export interface KubeconfigCredentials {
  readonly server: string;
  /** PEM of certificate-authority(-data), when present. */
  readonly caPem: string | undefined;
  readonly clientCertPem: string | undefined;
  readonly clientKeyPem: string | undefined;
  readonly token: string | undefined;
}

interface Named<T> {
  name: string;
  [key: string]: T | string;
}

function pick<T>(list: unknown, name: string | undefined, field: string): T | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry = (list as Named<T>[]).find((e) => e.name === name) ?? (list as Named<T>[])[0];
  return entry?.[field] as T | undefined;
}

/** Parses kubeconfig text (pure); inline `*-data` fields and file paths are both understood (paths read by the caller). */
export function parseKubeconfig(text: string): KubeconfigCredentials & { caFile?: string; clientCertFile?: string; clientKeyFile?: string } {
  const doc = parse(text) as Record<string, unknown>;
  const current = doc['current-context'] as string | undefined;
  const context = pick<{ cluster: string; user: string }>(doc.contexts, current, 'context');
  const cluster = pick<Record<string, string>>(doc.clusters, context?.cluster, 'cluster');
  const user = pick<Record<string, string>>(doc.users, context?.user, 'user') ?? {};
  if (!cluster?.server) throw new E2eError('E2E_ERR_KUBE', 'kubeconfig has no cluster server');
  const b64 = (v: string | undefined): string | undefined => (v ? Buffer.from(v, 'base64').toString('utf8') : undefined);
  return {
    server: cluster.server,
    caPem: b64(cluster['certificate-authority-data']),
    caFile: cluster['certificate-authority'],
    clientCertPem: b64(user['client-certificate-data']),
    clientCertFile: user['client-certificate'],
    clientKeyPem: b64(user['client-key-data']),
    clientKeyFile: user['client-key'],
    token: user.token,
  };
}

/** Reads a kubeconfig file and resolves file references into PEM text. */
export async function readKubeconfigCredentials(path: string): Promise<KubeconfigCredentials> {
  const parsed = parseKubeconfig(await readFile(path, 'utf8'));
  const load = async (inline: string | undefined, file: string | undefined): Promise<string | undefined> => inline ?? (file ? readFile(file, 'utf8') : undefined);
  return {
    server: parsed.server,
    caPem: await load(parsed.caPem, parsed.caFile),
    clientCertPem: await load(parsed.clientCertPem, parsed.clientCertFile),
    clientKeyPem: await load(parsed.clientKeyPem, parsed.clientKeyFile),
    token: parsed.token,
  };
}

/** A kubeconfig (YAML text) for `server` with a bearer token — what the targets use for the token fallback. */
export function tokenKubeconfig(options: { server: string; caPem: string; token: string; name: string }): string {
  const ca = Buffer.from(options.caPem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: ${options.name}, cluster: {server: "${options.server}", certificate-authority-data: ${ca}}}]`,
    `users: [{name: ${options.name}, user: {token: "${options.token}"}}]`,
    `contexts: [{name: ${options.name}, context: {cluster: ${options.name}, user: ${options.name}}}]`,
    `current-context: ${options.name}`,
    '',
  ].join('\n');
}
