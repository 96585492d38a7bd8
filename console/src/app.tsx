/** The console shell: sign-in, the header with the environment, search beside the open user. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, createApi, type Api } from './api.ts';
import { SearchPane, useSearch } from './search.tsx';
import { forgetKey, keyPreview, storedKey, storeKey } from './session.ts';
import { SignIn } from './sign-in.tsx';
import type { WhoAmI } from './types.ts';
import { UserPane } from './user-pane.tsx';

interface Session {
  api: Api;
  preview: string;
  who: WhoAmI;
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(() => storedKey() !== null);
  const [error, setError] = useState<string | null>(null);

  const signOut = useCallback((reason: string | null = null) => {
    forgetKey();
    setSession(null);
    setError(reason);
    history.replaceState(null, '', location.pathname);
    document.title = 'Userplane console';
  }, []);

  const signIn = useCallback(
    async (key: string) => {
      const api = createApi(key, (message) => signOut(`Signed out: ${message}.`));
      try {
        const who = await api.whoami();
        storeKey(key);
        setError(null);
        setSession({ api, preview: keyPreview(key), who });
        document.title = `Userplane console · ${who.environment}`;
      } catch (err) {
        forgetKey();
        setError(err instanceof ApiError ? err.message : String(err));
      } finally {
        setChecking(false);
      }
    },
    [signOut],
  );

  useEffect(() => {
    const key = storedKey();
    if (key) void signIn(key);
  }, [signIn]);

  if (checking) return <p class="splash">Checking the saved key…</p>;
  if (!session) return <SignIn error={error} onSubmit={signIn} />;
  return <Console session={session} onSignOut={() => signOut()} />;
}

function useHashUserId(): string | null {
  const read = () => /^#\/users\/([^/?#]+)$/.exec(location.hash)?.[1] ?? null;
  const [id, setId] = useState(read);
  useEffect(() => {
    const onChange = () => setId(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return id ? decodeURIComponent(id) : null;
}

function Console({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { who } = session;
  const canWrite = who.scopes.includes('write') || who.scopes.includes('admin');
  const search = useSearch(session.api);
  const selectedId = useHashUserId();
  const [notice, setNotice] = useState<string | null>(null);
  const live = who.environment === 'live';

  function onDeleted(id: string, label: string) {
    search.remove(id);
    setNotice(`Deleted ${label} (${id}).`);
    location.hash = '';
  }

  return (
    <div class={`shell env-${who.environment}`}>
      <header class="topbar">
        <span class="brand">
          Userplane <span class="muted">console</span>
        </span>
        <span class={`env-badge ${who.environment}`} title="The key's environment: every user shown belongs to it">
          <span class="sr-only">Environment: </span>
          {who.environment === 'live' ? 'Live' : 'Test'}
        </span>
        {live && <span class="live-warning">Changes here affect real users</span>}
        <span class="spacer" />
        <span class="key-info" title={`Key ${who.key_id}`}>
          <code>{session.preview}</code> · {who.scopes.join(', ') || 'no scopes'}
          {!canWrite && <span class="badge">read-only</span>}
        </span>
        <button type="button" class="ghost" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <div class="layout">
        <SearchPane search={search} selectedId={selectedId} />
        <main class="detail" id="main">
          {selectedId ? (
            <UserPane key={selectedId} api={session.api} id={selectedId} canWrite={canWrite} onChanged={search.replace} onDeleted={onDeleted} />
          ) : (
            <div class="placeholder">
              {notice && (
                <p class="notice" role="status">
                  {notice}
                </p>
              )}
              <h2>No user open</h2>
              <p>Search on the left and open a user to see and edit their fields, identities and history.</p>
            </div>
          )}
        </main>
      </div>
    </div>
  );
}
