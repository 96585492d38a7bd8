/** Sign-in: paste a secret key; /v1/whoami checks it and names its environment. */
import { useState } from 'preact/hooks';

export function SignIn(props: { error: string | null; onSubmit: (key: string) => Promise<void> }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [localError, setLocalError] = useState<string | null>(null);
  const error = localError ?? props.error;

  async function submit(event: Event) {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setLocalError('Paste a secret key (sk_live_… or sk_test_…).');
    if (trimmed.startsWith('pk_')) return setLocalError('That is a publishable key; the console needs a secret key (sk_…).');
    setLocalError(null);
    setBusy(true);
    try {
      await props.onSubmit(trimmed);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      {/* No name on the input and a POST form: even without JavaScript the key can never land in a URL. */}
      <form method="post" noValidate onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">
          Userplane <span class="muted">console</span>
        </h1>
        <p id="key-help">
          Sign in with a secret API key. It is kept in this browser tab only (sessionStorage) and sent only to this server's
          <code>/v1</code> API. Closing the tab forgets it.
        </p>
        <label for="key">Secret API key</label>
        <input
          id="key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="sk_test_…"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-describedby={error ? 'key-help key-error' : 'key-help'}
          aria-invalid={error ? true : undefined}
          autoFocus
        />
        {error && (
          <p id="key-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
