import { describeBrowserScenarios } from './helpers/browser-scenarios.js'
import { FIREFOX_ESR } from './helpers/launch-browser.js'

describeBrowserScenarios(FIREFOX_ESR)
