import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { INSTALL_FIREFOX } from './preflight.mjs'

const preflight = fileURLToPath(new URL('preflight.mjs', import.meta.url))

describe('npm test preflight', () => {
  it('stops without Firefox, printing the one command that installs it', async () => {
    const err = await promisify(execFile)(process.execPath, [preflight], {
      env: { ...process.env, FIREFOX_PATH: '/nonexistent/firefox-esr' },
    }).catch((e: { code?: number; stderr?: string }) => e)
    expect(err).toMatchObject({ code: 1 })
    expect((err as { stderr: string }).stderr).toContain(INSTALL_FIREFOX)
  })
})
