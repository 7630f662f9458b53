// Entry point for workerd: a module worker whose fetch handler runs the scenarios against the
// referee named in `?referee=` and answers with the results as JSON.
import { runServerScenarios } from './server-scenarios.mjs'

export default {
  /** @param {Request} request */
  async fetch(request) {
    const referee = new URL(request.url).searchParams.get('referee')
    if (!referee) return new Response('missing ?referee=', { status: 400 })
    return Response.json(await runServerScenarios(referee))
  },
}
