/** Search and results: GET /v1/users?q=… paged by cursor, one table row per user. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Api } from './api.ts';
import { displayName } from './format.ts';
import type { User } from './types.ts';

const USER_ID = /^usr_[0-9a-z]{26}$/;

export interface SearchState {
  query: string;
  users: User[];
  /** `after` cursors of the pages before this one; its length is the page index. */
  cursors: Array<string | null>;
  next: string | null;
  loading: boolean;
  error: string | null;
}

export function useSearch(api: Api) {
  const [state, setState] = useState<SearchState>({ query: '', users: [], cursors: [null], next: null, loading: true, error: null });
  const request = useRef(0);

  const load = useCallback(
    async (query: string, cursors: Array<string | null>) => {
      const mine = ++request.current;
      setState((s) => ({ ...s, query, cursors, loading: true, error: null }));
      try {
        const page = await api.searchUsers(query, cursors.at(-1) ?? null);
        // A slower answer to an older search must not replace a newer one.
        if (mine !== request.current) return;
        setState({ query, cursors, users: page.data, next: page.has_more ? page.next_cursor : null, loading: false, error: null });
      } catch (error) {
        if (mine !== request.current) return;
        setState((s) => ({ ...s, users: [], next: null, loading: false, error: error instanceof ApiError ? error.message : String(error) }));
      }
    },
    [api],
  );

  useEffect(() => void load('', [null]), [load]);

  return {
    state,
    search: (query: string) => load(query, [null]),
    nextPage: () => state.next && load(state.query, [...state.cursors, state.next]),
    previousPage: () => state.cursors.length > 1 && load(state.query, state.cursors.slice(0, -1)),
    /** Keeps a row in step with an edit made in the detail pane. */
    replace: (user: User) => setState((s) => ({ ...s, users: s.users.map((u) => (u.id === user.id ? user : u)) })),
    remove: (id: string) => setState((s) => ({ ...s, users: s.users.filter((u) => u.id !== id) })),
  };
}

export function SearchPane(props: { search: ReturnType<typeof useSearch>; selectedId: string | null }) {
  const { state, search, nextPage, previousPage } = props.search;
  const [text, setText] = useState('');
  const input = useRef<HTMLInputElement>(null);

  // "/" jumps to the search box from anywhere but a text field, as in most consoles.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      if (target.closest('input, textarea, select, [contenteditable="true"]')) return;
      event.preventDefault();
      input.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  function submit(event: Event) {
    event.preventDefault();
    const query = text.trim();
    // A pasted user id opens that user: support tickets usually carry one.
    if (USER_ID.test(query)) location.hash = `#/users/${query}`;
    else void search(query);
  }

  const page = state.cursors.length;
  return (
    <section class="search-pane" aria-labelledby="search-title">
      <h2 id="search-title" class="sr-only">
        Find users
      </h2>
      <form role="search" class="search-form" onSubmit={submit}>
        <label for="search-q">Search users</label>
        <div class="search-row">
          <input
            id="search-q"
            ref={input}
            type="search"
            value={text}
            placeholder="Email, username, name, id…"
            aria-describedby="search-help"
            onInput={(e) => setText(e.currentTarget.value)}
          />
          <button type="submit" class="primary">
            Search
          </button>
        </div>
        <p id="search-help" class="hint">
          Matches the start of an email, username, external id or name, ignoring case; a <code>usr_</code> id opens that user. Press <kbd>/</kbd> to come back here.
        </p>
      </form>

      <div class="results" aria-busy={state.loading}>
        {state.error && (
          <p class="error-box" role="alert">
            {state.error}
          </p>
        )}
        <table>
          <caption class="sr-only">{state.query ? `Users matching “${state.query}”, page ${page}` : `All users, page ${page}`}</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Name</th>
            </tr>
          </thead>
          <tbody>
            {state.users.map((user) => (
              <tr key={user.id} aria-current={user.id === props.selectedId ? 'true' : undefined}>
                <td>
                  <a href={`#/users/${user.id}`}>{user.email ?? user.username ?? user.external_id ?? user.id}</a>
                  <span class="sub">{[user.username && `@${user.username}`, user.external_id && `ext ${user.external_id}`].filter(Boolean).join(' · ')}</span>
                </td>
                <td>{displayName(user) || <span class="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!state.loading && !state.error && state.users.length === 0 && (
          <p class="empty" role="status">
            {state.query ? `No user matches “${state.query}”.` : 'No users yet in this environment.'}
          </p>
        )}
        <nav class="pager" aria-label="Result pages">
          <button type="button" onClick={() => void previousPage()} disabled={page <= 1 || state.loading}>
            ← Previous
          </button>
          <span aria-live="polite">Page {page}</span>
          <button type="button" onClick={() => void nextPage()} disabled={!state.next || state.loading}>
            Next →
          </button>
        </nav>
      </div>
    </section>
  );
}
