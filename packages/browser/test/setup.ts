// happy-dom has no IndexedDB: fake-indexeddb provides the real API in memory. The real thing is
// proven in Chromium by test/browser.
import 'fake-indexeddb/auto'
