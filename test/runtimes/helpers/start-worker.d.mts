export function startWorker(
  binary: string,
  dir: string,
  entry: string,
  options?: { outfile?: string },
): Promise<{ url: string; stop(): Promise<void> }>
