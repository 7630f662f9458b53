// The benchmark's side in Node, Bun and Deno (one fresh process per call of bench/runtimes.mjs):
// `probe.mjs import <specifier>` prints how long `await import()` took, in ms;
// `probe.mjs verify <json setup> <rounds>` prints `{ candidate: [verify/s, ...] }`, interleaved.
import { interleave, rate } from './harness.mjs'

const [mode, argument, rounds] = globalThis.Deno?.args ?? process.argv.slice(2)
if (mode === 'import') {
  const started = performance.now()
  await import(argument)
  console.log(performance.now() - started)
} else {
  const { verifyCandidates } = await import('./candidates.mjs')
  const candidates = await verifyCandidates(JSON.parse(argument))
  const measure = (verify) => rate(verify, { ms: 250 })
  console.log(JSON.stringify(await interleave(candidates, { rounds: Number(rounds), measure })))
}
