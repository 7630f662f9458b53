// workerd cold start with an empty worker: the floor that workerd itself costs.
export default { fetch: () => new Response('0') }
