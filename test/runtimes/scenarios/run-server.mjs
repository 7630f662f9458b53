// Entry point for the runtimes that run a script (Node, Bun, Deno): the referee URL is the first
// argument; the results go to stdout as one JSON line.
import { runServerScenarios } from './server-scenarios.mjs'

const args = globalThis.Deno?.args ?? globalThis.process.argv.slice(2)
const results = await runServerScenarios(args[0])
console.log(JSON.stringify(results))
