// The runtimes that run a script file (Node, Bun, Deno), shared by the conformance suite and
// bench/runtimes.mjs: how each one is started, and how to read its version. workerd, which runs a
// bundled module worker instead, is started by start-worker.mjs.
import { runtimeBinary } from './runtime-binary.mjs'

/**
 * @typedef {object} ScriptRuntime
 * @property {string} name - as in test titles and the README compatibility table
 * @property {string} binary
 * @property {string[]} args - put before the script's path
 * @property {RegExp} version - finds `x.y.z` in the output of `binary --version`
 */

/** @type {ScriptRuntime[]} */
export const SCRIPT_RUNTIMES = [
  {
    // The Node running the tests: 20 on CI.
    name: `Node ${process.versions.node.split('.')[0]}`,
    binary: process.execPath,
    args: [],
    version: /v(\d+\.\d+\.\d+)/,
  },
  {
    name: 'Node 22',
    binary: runtimeBinary('runtime-node-22/bin/node'),
    args: [],
    version: /v(\d+\.\d+\.\d+)/,
  },
  {
    name: 'Node 24',
    binary: runtimeBinary('runtime-node-24/bin/node'),
    args: [],
    version: /v(\d+\.\d+\.\d+)/,
  },
  {
    name: 'Bun',
    binary: runtimeBinary('@oven/bun-linux-x64/bin/bun', 'bun/bin/bun.exe'),
    args: [],
    version: /(\d+\.\d+\.\d+)/,
  },
  {
    name: 'Deno',
    binary: runtimeBinary('@deno/linux-x64-glibc/deno'),
    // Network access to the loopback address only; reading the project folder (the working
    // directory) for dynamic imports; packages from its ./node_modules, as npm installed them.
    args: ['run', '--allow-net=127.0.0.1', '--allow-read=.', '--node-modules-dir=manual'],
    version: /deno (\d+\.\d+\.\d+)/,
  },
]

/** The workerd executable. */
export const WORKERD = runtimeBinary('@cloudflare/workerd-linux-64/bin/workerd')
