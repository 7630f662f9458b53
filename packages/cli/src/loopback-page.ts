/** The page the browser shows after the redirect. Internal. */
export function loopbackPage(outcome: { ok: true } | { ok: false; reason: string }): string {
  const title = outcome.ok ? 'Signed in' : 'Sign-in failed'
  const message = outcome.ok
    ? 'You are signed in. You can close this tab and return to the terminal.'
    : `${escapeHtml(outcome.reason)}. Return to the terminal for details.`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;margin:0;color:#222;background:#fafafa}
main{max-width:28rem;padding:2rem;text-align:center}
h1{font-size:1.5rem;margin:0 0 .5rem;color:${outcome.ok ? '#17603a' : '#a1261b'}}
@media (prefers-color-scheme:dark){body{color:#eee;background:#161616}}
</style>
</head>
<body><main><h1>${outcome.ok ? '&#10003; ' : ''}${title}</h1><p>${message}</p></main></body>
</html>
`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}
