import { describe, expect, it } from 'vitest'
import { createIndexedDbStore } from '../src/index.js'

// The KeyValueStore contract, on IndexedDB (fake-indexeddb here, the real one in test/browser).
describe('createIndexedDbStore', () => {
  it('reads what it wrote, structured-cloned; a missing or deleted key reads undefined', async () => {
    const store = createIndexedDbStore(`oauthkit-test-${crypto.randomUUID()}`)
    expect(await store.get('missing')).toBeUndefined()
    const value = { tokenSet: { accessToken: 'at' }, at: new Date(0) }
    await expect(store.set('k', value)).resolves.toBeUndefined()
    const read = await store.get('k')
    expect(read).toEqual(value)
    expect(read).not.toBe(value)
    await store.set('k', 'replaced')
    expect(await store.get('k')).toBe('replaced')
    await expect(store.delete('k')).resolves.toBeUndefined()
    expect(await store.get('k')).toBeUndefined()
    await expect(store.delete('k')).resolves.toBeUndefined() // deleting a missing key is fine
  })

  it('keeps databases apart by name, and shares one between stores of the same name', async () => {
    const name = `oauthkit-test-${crypto.randomUUID()}`
    await createIndexedDbStore(name).set('k', 1)
    expect(await createIndexedDbStore(name).get('k')).toBe(1)
    expect(await createIndexedDbStore(`${name}-other`).get('k')).toBeUndefined()
  })
})
