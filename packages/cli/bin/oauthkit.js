#!/usr/bin/env node
// Committed, not built: npm links a bin only when its file exists, and on a fresh clone `npm
// install` links before the root `prepare` script has built dist/. The command lives in dist/.
import('../dist/bin.js').catch((err) => {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist')) throw err
  process.stderr.write('oauthkit: not built yet: run "npm run build" in the repository\n')
  process.exitCode = 1
})
