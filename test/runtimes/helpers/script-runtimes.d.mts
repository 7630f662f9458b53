export interface ScriptRuntime {
  name: string
  binary: string
  args: string[]
  version: RegExp
}
export const SCRIPT_RUNTIMES: ScriptRuntime[]
export const WORKERD: string
