/**
 * Runs `tasks` at most `concurrency` at a time (the machine has two cores; each runtime is a
 * process of its own) and returns one promise per task, in order.
 */
export function limit<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T>[] {
  const queue = tasks.map((task) => {
    let start!: () => void
    const started = new Promise<void>((resolve) => {
      start = resolve
    })
    return { start, result: started.then(task) }
  })
  let next = 0
  const startNext = (): void => {
    const entry = queue[next++]
    if (!entry) return
    entry.start()
    entry.result.then(startNext, startNext)
  }
  for (let i = 0; i < concurrency; i++) startNext()
  return queue.map((entry) => entry.result)
}
