export const SERVER_SCENARIOS: string[]
export function runServerScenarios(
  refereeUrl: string,
): Promise<{ name: string; ok: boolean; ms: number; error?: string }[]>
