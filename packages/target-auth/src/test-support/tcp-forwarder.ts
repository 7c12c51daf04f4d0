// A real TCP hop between the target and kube-apiserver: counts what goes through it, and can be
// cut (listener closed, every connection destroyed) to take the route to kube-apiserver away.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpForwarder {
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Bytes received from clients so far (requests sent towards kube-apiserver). */
  bytesFromClients(): number;
  /** Takes the route away: closes the listener and destroys open connections. */
  cut(): Promise<void>;
}

/** Options of {@link startTcpForwarder}. */
export interface TcpForwarderOptions {
  /** Sees every chunk a client sends, with the index of its connection (0, 1, … in accept order). */
  readonly onClientData?: (connection: number, data: Buffer) => void;
}

export async function startTcpForwarder(target: { host: string; port: number }, options: TcpForwarderOptions = {}): Promise<TcpForwarder> {
  let connections = 0;
  let bytes = 0;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    const index = connections++;
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    client.on('data', (d: Buffer) => {
      bytes += d.length;
      options.onClientData?.(index, d);
    });
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    bytesFromClients: () => bytes,
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}
