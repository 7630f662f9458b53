// workerd cold start with @oauthkit/node in the bundle (its namespace is used, so nothing is dropped).
import * as module from '@oauthkit/node'

export default { fetch: () => new Response(String(Object.keys(module).length)) }
