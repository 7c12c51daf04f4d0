// What a real non-Node TLS client sees: `openssl s_client` prints the server's
// "Acceptable client certificate CA names" (Go clients pick their certificate from this list).
import { spawn } from 'node:child_process';

export function acceptableClientCaNames(port: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.stdin.end('Q\n');
    p.on('exit', () => {
      const lines = out.split('\n');
      const start = lines.findIndex((l) => l.startsWith('Acceptable client certificate CA names'));
      if (start === -1) return resolve([]);
      const names: string[] = [];
      for (const l of lines.slice(start + 1)) {
        if (!/^\S*CN\s*=/.test(l)) break;
        names.push(l.trim());
      }
      resolve(names);
    });
  });
}
