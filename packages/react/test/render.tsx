import { Component, type ReactNode, StrictMode } from 'react'
import { flushSync } from 'react-dom'
import { createRoot, type Root } from 'react-dom/client'
import { type Auth, useAccessToken, useAuth, useUser } from '../src/index.js'

const mounted: (() => void)[] = []

/** Renders `ui` like {@link render} and unmounts it in {@link unmountAll}. */
export function mount(ui: ReactNode): { container: HTMLElement; unmount(): void } {
  const view = render(ui)
  mounted.push(view.unmount)
  return view
}

/** Unmounts what {@link mount} rendered, and puts the address bar back: for `afterEach`. */
export function unmountAll(): void {
  for (const unmount of mounted.splice(0)) unmount()
  history.replaceState(null, '', '/')
}

/** Renders `ui` under StrictMode (every effect runs twice) into a fresh element. */
export function render(ui: ReactNode): { container: HTMLElement; unmount(): void } {
  const container = document.createElement('div')
  document.body.append(container)
  const root: Root = createRoot(container)
  // Synchronously, so that the first (loading) render can be seen.
  flushSync(() => root.render(<StrictMode>{ui}</StrictMode>))
  return {
    container,
    unmount() {
      root.unmount()
      container.remove()
    },
  }
}

/** Shows useAuth()'s state as JSON in a `<pre>`, for the tests to read. */
export function Probe(): ReactNode {
  const { isLoading, isAuthenticated, user, error } = useAuth()
  const state = {
    isLoading,
    isAuthenticated,
    user: user?.sub,
    error: (error as { code?: string } | undefined)?.code,
  }
  return <pre data-probe="">{JSON.stringify(state)}</pre>
}

/** The state `Probe` shows in `container`. */
export function probed(container: HTMLElement): unknown {
  return JSON.parse(container.querySelector('[data-probe]')?.textContent ?? 'null')
}

/** Puts useAuth()'s value into `into.current` on every render. */
export function Grab({ into }: { into: { current?: Auth } }): ReactNode {
  into.current = useAuth()
  return null
}

/** Shows useUser() and useAccessToken() as JSON. */
export function ShowToken(): ReactNode {
  const user = useUser()
  const { accessToken, isLoading, error } = useAccessToken()
  const shown = { user: user?.name, accessToken, isLoading, error: error?.message }
  return <p data-testid="show">{JSON.stringify(shown)}</p>
}

/** Hands what its children throw while rendering to `onError`. */
export class Catch extends Component<{ onError(err: unknown): void; children: ReactNode }> {
  override state = { failed: false }
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true }
  }
  override componentDidCatch(err: unknown): void {
    this.props.onError(err)
  }
  override render(): ReactNode {
    return this.state.failed ? null : this.props.children
  }
}
