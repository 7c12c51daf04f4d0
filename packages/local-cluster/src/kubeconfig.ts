import { parse, stringify } from 'yaml';
import { LocalClusterError } from './errors.js';

/** How a kubeconfig user authenticates: a client certificate (PEM) or a bearer token. */
export type KubeconfigCredentials =
  | { readonly clientCertificatePem: string; readonly clientKeyPem: string }
  | { readonly token: string };

/** Input of renderKubeconfig. `contextName` defaults to `<userName>@<clusterName>`. */
export interface KubeconfigInput {
  readonly clusterName: string;
  readonly server: string;
  readonly caPem: string;
  readonly userName: string;
  readonly credentials: KubeconfigCredentials;
  readonly namespace?: string;
  readonly contextName?: string;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Renders a self-contained kubeconfig (all PEM embedded as *-data, so the file can be copied anywhere). */
export function renderKubeconfig(input: KubeconfigInput): string {
  const contextName = input.contextName ?? `${input.userName}@${input.clusterName}`;
  const user =
    'token' in input.credentials
      ? { token: input.credentials.token }
      : {
          'client-certificate-data': b64(input.credentials.clientCertificatePem),
          'client-key-data': b64(input.credentials.clientKeyPem),
        };
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.clusterName, cluster: { server: input.server, 'certificate-authority-data': b64(input.caPem) } }],
    users: [{ name: input.userName, user }],
    contexts: [
      {
        name: contextName,
        context: { cluster: input.clusterName, user: input.userName, ...(input.namespace ? { namespace: input.namespace } : {}) },
      },
    ],
    'current-context': contextName,
    preferences: {},
  };
  return stringify(doc, { lineWidth: 0 });
}

/** The current context's cluster and user of a kubeconfig: server URL, CA and client certificate/key (PEM, decoded from the *-data fields). */
export function kubeconfigCluster(text: string): { server: string; caPem: string | undefined; clientCertificatePem: string | undefined; clientKeyPem: string | undefined } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (cause) {
    throw new LocalClusterError('LOCAL_CLUSTER_ERR_ARGUMENT', 'kubeconfig is not valid YAML', { cause });
  }
  const cfg = doc as {
    'current-context'?: string;
    contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
    users?: { name?: string; user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
    clusters?: { name?: string; cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
  };
  const ctx = cfg.contexts?.find((c) => c.name === cfg['current-context']) ?? cfg.contexts?.[0];
  const cluster = cfg.clusters?.find((c) => c.name === ctx?.context?.cluster) ?? cfg.clusters?.[0];
  const server = cluster?.cluster?.server;
  if (!server) throw new LocalClusterError('LOCAL_CLUSTER_ERR_ARGUMENT', 'kubeconfig names no cluster server');
  const user = cfg.users?.find((u) => u.name === ctx?.context?.user)?.user;
  const decode = (d: string | undefined): string | undefined => (d ? Buffer.from(d, 'base64').toString('utf8') : undefined);
  return {
    server,
    caPem: decode(cluster?.cluster?.['certificate-authority-data']),
    clientCertificatePem: decode(user?.['client-certificate-data']),
    clientKeyPem: decode(user?.['client-key-data']),
  };
}
