import type { IncomingMessage, ServerResponse } from 'node:http'

/** A call to the example's API: who called, and the status it answered. */
export interface ApiCall {
  sub: string | undefined
  status: number
}

/** The example app mounted at `base`. */
export interface Example {
  /** Answers requests under `base`; resolves `false` for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>
  apiCalls: ApiCall[]
}

export function bundleExample(options?: { mode?: 'development' | 'production' }): Promise<string>
export function createExample(options: {
  issuer: string
  resource: string
  base?: string
  clientId?: string
}): Promise<Example>
export function listenExample(options?: { port?: number }): Promise<{
  origin: string
  serve(example: Example): void
  close(): Promise<void>
}>
