// The benchmark's side in workerd. Time does not advance inside a workerd request while code runs
// (a Spectre mitigation), so the host times each request: `/verify?n=N&candidate=…&setup=…` makes
// N verifications one after another, and the host subtracts the time of the same request with
// N=0. `/` answers as soon as the module is evaluated (the cold-start probe).
import { verifyCandidates } from './candidates.mjs'

let prepared

export default {
  /** @param {Request} request */
  async fetch(request) {
    const url = new URL(request.url)
    if (url.pathname !== '/verify') return new Response('ready')
    prepared ??= verifyCandidates(JSON.parse(url.searchParams.get('setup') ?? '{}'))
    const verify = (await prepared)[url.searchParams.get('candidate') ?? '']
    if (!verify) return new Response('unknown candidate', { status: 400 })
    const n = Number(url.searchParams.get('n'))
    for (let i = 0; i < n; i++) await verify()
    return new Response('done')
  },
}
