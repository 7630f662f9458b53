// `npm run playground`: builds the packages (root script), then starts the dev server and the
// playground on 127.0.0.1 and prints one URL. Ctrl-C stops both.
import { startPlayground } from './server.mjs'

const port = process.env.PORT ? Number(process.env.PORT) : 0
const playground = await startPlayground({ port })
console.log(playground.url)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) process.exit(1)
    stopping = true
    playground.close().then(() => process.exit(0))
  })
}
