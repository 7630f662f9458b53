export const FIREFOX: string
export const INSTALL_FIREFOX: string
export function ensureRuntimeBinaries(): void
export function assertFirefox(): void
