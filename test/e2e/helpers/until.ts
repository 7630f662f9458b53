/**
 * Resolves once the clock has reached `epochSeconds`: a timer may fire a little early, so it
 * checks and waits again rather than trusting one delay.
 */
export async function until(epochSeconds: number): Promise<void> {
  for (
    let left = epochSeconds * 1000 - Date.now();
    left > 0;
    left = epochSeconds * 1000 - Date.now()
  ) {
    await new Promise((resolve) => setTimeout(resolve, left))
  }
}
