/** A user's events, newest first, each change as `field: before → after`. */
import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.ts';
import { ChangeLine } from './change.tsx';
import { showTime } from './format.ts';
import type { UserEvent } from './types.ts';

// Every type the API's Event may carry (a type check fails when it gains one): a subject export
// (GET /v1/users/{id}/export) is in the user's history too. The group and environment types never
// reach a user's history; they are named for completeness.
const TITLES: Record<UserEvent['type'], string> = {
  'user.created': 'Created',
  'user.updated': 'Updated',
  'user.deleted': 'Deleted',
  'user.exported': 'Exported (access request)',
  'users.exported': 'Exported (all users)',
  'group.created': 'Group created',
  'group.updated': 'Group updated',
  'group.deleted': 'Group deleted',
};

/** `version` only makes the list reload after a change. */
export function History(props: { api: Api; userId: string; version: number }) {
  const [events, setEvents] = useState<UserEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const { api, userId } = props;

  async function load(after: string | null, isStale: () => boolean = () => false) {
    setLoading(true);
    try {
      const page = await api.events(userId, after);
      if (isStale()) return;
      setEvents((old) => (after ? [...old, ...page.data] : page.data));
      setNext(page.has_more ? page.next_cursor : null);
      setError(null);
    } catch (err) {
      if (!isStale()) setError(err instanceof Error ? err.message : String(err));
    } finally {
      if (!isStale()) setLoading(false);
    }
  }

  useEffect(() => {
    let stale = false;
    void load(null, () => stale);
    return () => {
      stale = true;
    };
  }, [api, userId, props.version]);

  return (
    <section class="card history" aria-labelledby="history-title" aria-busy={loading}>
      <h3 id="history-title">History</h3>
      {error && (
        <p class="error-box" role="alert">
          {error}
        </p>
      )}
      <ol class="events">
        {events.map((event) => (
          <li key={event.id} class={`event ${event.type.replace('.', '-')}`}>
            <div class="event-head">
              <span class="event-type">{TITLES[event.type]}</span>
              <time dateTime={event.created_at}>{showTime(event.created_at)}</time>
            </div>
            <div class="event-meta" title={event.request_id ? `Request ${event.request_id}` : undefined}>
              via {event.door} · key <code>{event.actor}</code>
            </div>
            <ul class="changes">
              {Object.entries(event.changes).map(([field, change]) => (
                <li key={field}>
                  <ChangeLine field={field} before={change.previous} after={change.current} created={event.type === 'user.created'} />
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      {!loading && events.length === 0 && !error && <p class="muted">No events.</p>}
      {next && (
        <button type="button" onClick={() => load(next)} disabled={loading}>
          Load older events
        </button>
      )}
    </section>
  );
}
