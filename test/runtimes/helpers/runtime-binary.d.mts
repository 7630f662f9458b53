export function runtimeBinary(...candidates: string[]): string
