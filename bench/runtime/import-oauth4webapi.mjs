// workerd cold start with oauth4webapi in the bundle (its namespace is used, so nothing is dropped).
import * as module from 'oauth4webapi'

export default { fetch: () => new Response(String(Object.keys(module).length)) }
