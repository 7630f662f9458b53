export function installPacked(options?: {
  extra?: string[]
}): Promise<{ dir: string; remove(): Promise<void> }>
