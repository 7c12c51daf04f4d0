import type { IncomingMessage } from 'node:http';
import { text } from 'node:stream/consumers';

/** A response's status (0 when Node has none) and its whole body as UTF-8 text. */
export async function readResponse(res: IncomingMessage): Promise<{ status: number; body: string }> {
  return { status: res.statusCode ?? 0, body: await text(res) };
}
