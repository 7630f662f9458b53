import type { IncomingMessage } from 'node:http'

/** Reads an `application/x-www-form-urlencoded` request body (up to 64 KiB). */
export async function readFormBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    // A login form is tiny; refuse anything bigger instead of buffering it.
    if (size > 65_536) throw new RangeError('request body too large')
    chunks.push(chunk)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}
