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

/**
 * The app's script. `react`: a folder URL whose node_modules hold the `react` and `react-dom` to
 * bundle instead of the workspace's.
 */
export function bundleExample(options?: {
  mode?: 'development' | 'production'
  react?: string
}): Promise<string>
export function createExample(options: {
  issuer: string
  resource: string
  base?: string
  clientId?: string
  react?: string
}): Promise<Example>
export function listenExample(options?: { port?: number }): Promise<{
  origin: string
  serve(example: Example): void
  close(): Promise<void>
}>
