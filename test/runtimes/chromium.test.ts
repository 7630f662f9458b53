import { describeBrowserScenarios } from './helpers/browser-scenarios.js'
import { CHROMIUM } from './helpers/launch-browser.js'

describeBrowserScenarios(CHROMIUM)
