#!/usr/bin/env node
import { runDevServerCommand } from './command.js'

process.exitCode = await runDevServerCommand(process.argv.slice(2), process)
