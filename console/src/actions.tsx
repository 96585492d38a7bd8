/** What a support person does to a user besides editing fields: password, verification, identities, delete. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Api } from './api.ts';
import { showTime } from './format.ts';
import type { Identity, User } from './types.ts';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface ActionProps {
  api: Api;
  user: User;
  canWrite: boolean;
  /** A newer version of the user that an action returned. */
  onUser: (user: User) => void;
  /** The user changed since it was opened (a 412): reload it and say so. */
  onStale: () => Promise<void>;
  onDeleted: () => void;
}

type Status = { ok: boolean; text: string } | null;

export function UserActions(props: ActionProps) {
  const [panel, setPanel] = useState<'password' | 'delete' | null>(null);
  const [status, setStatus] = useState<Status>(null);
  const [sending, setSending] = useState(false);
  const passwordButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  if (!props.canWrite) return null;

  function close(returnTo: HTMLButtonElement | null) {
    setPanel(null);
    returnTo?.focus();
  }

  async function sendVerification() {
    setSending(true);
    setStatus(null);
    try {
      const sent = await props.api.sendVerification(props.user.id);
      setStatus({ ok: true, text: `Verification email sent to ${sent.email}; its code is valid until ${showTime(sent.expires_at)}.` });
    } catch (error) {
      setStatus({ ok: false, text: `Not sent: ${messageOf(error)}` });
    } finally {
      setSending(false);
    }
  }

  return (
    <div class="actions">
      <div class="toolbar" role="group" aria-label="User actions">
        <button type="button" ref={passwordButton} aria-expanded={panel === 'password'} aria-controls="password-panel" onClick={() => setPanel(panel === 'password' ? null : 'password')}>
          Set password…
        </button>
        <button type="button" onClick={sendVerification} disabled={sending || !props.user.email}>
          {sending ? 'Sending…' : 'Send verification email'}
        </button>
        <button type="button" class="danger" ref={deleteButton} aria-expanded={panel === 'delete'} aria-controls="delete-panel" onClick={() => setPanel(panel === 'delete' ? null : 'delete')}>
          Delete user…
        </button>
      </div>
      {status && (
        <p class={status.ok ? 'notice' : 'error-box'} role={status.ok ? 'status' : 'alert'}>
          {status.text}
        </p>
      )}
      {panel === 'password' && (
        <PasswordPanel
          {...props}
          onDone={(text) => {
            setStatus({ ok: true, text });
            close(passwordButton.current);
          }}
          onCancel={() => close(passwordButton.current)}
        />
      )}
      {panel === 'delete' && (
        <DeletePanel
          {...props}
          onCancel={() => close(deleteButton.current)}
          onStale={async () => {
            setPanel(null);
            await props.onStale();
          }}
        />
      )}
    </div>
  );
}

function PasswordPanel(props: ActionProps & { onDone: (text: string) => void; onCancel: () => void }) {
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    try {
      props.onUser(await props.api.setPassword(props.user.id, password));
      props.onDone('Password set.');
    } catch (error) {
      setErrors(error instanceof ApiError ? (error.details.password ?? [error.message]) : [messageOf(error)]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form id="password-panel" class="panel" method="post" noValidate onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
      <label for="new-password">New password for {props.user.email ?? props.user.id}</label>
      <div class="inline">
        <input
          id="new-password"
          type="password"
          autocomplete="new-password"
          value={password}
          autoFocus
          onInput={(e) => {
            setPassword(e.currentTarget.value);
            setErrors(null);
          }}
          aria-describedby={errors ? 'new-password-hint new-password-error' : 'new-password-hint'}
          aria-invalid={errors ? 'true' : undefined}
        />
        <button type="submit" class="primary" disabled={busy}>
          Set password
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      <p id="new-password-hint" class="hint">
        8–128 characters, not the email address. The user is not told; send them the new one yourself.
      </p>
      {errors && (
        <p id="new-password-error" class="field-error">
          {errors.join(' ')}
        </p>
      )}
    </form>
  );
}

function DeletePanel(props: ActionProps & { onCancel: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  // The safe choice has the focus: Enter right after opening does not delete.
  useEffect(() => {
    cancel.current?.focus();
  }, []);

  async function confirm() {
    setBusy(true);
    try {
      await props.api.deleteUser(props.user);
      props.onDeleted();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) await props.onStale();
      else setError(`Not deleted: ${messageOf(error)}`);
      setBusy(false);
    }
  }

  return (
    <div id="delete-panel" class="panel danger-zone" role="group" aria-labelledby="delete-title" onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
      <h3 id="delete-title">Delete {props.user.email ?? props.user.username ?? props.user.id}?</h3>
      <p>
        The user <code>{props.user.id}</code> and their linked identities are removed for good; applications will no longer find them. This cannot be undone.
      </p>
      {error && (
        <p class="error-box" role="alert">
          {error}
        </p>
      )}
      <div class="buttons">
        <button type="button" class="danger solid" onClick={confirm} disabled={busy}>
          {busy ? 'Deleting…' : 'Delete permanently'}
        </button>
        <button type="button" ref={cancel} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

export function Identities(props: { api: Api; user: User; canWrite: boolean; onChanged: () => Promise<void> }) {
  const [identities, setIdentities] = useState<Identity[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const { api, user } = props;

  useEffect(() => {
    let stale = false;
    api.identities(user.id).then(
      (list) => {
        if (stale) return;
        setIdentities(list.data);
        setError(null);
      },
      (err: unknown) => {
        if (!stale) setError(messageOf(err));
      },
    );
    return () => {
      stale = true;
    };
  }, [api, user.id, user.version]);

  async function unlink(identity: Identity) {
    try {
      await api.unlinkIdentity(user.id, identity.id);
      setIdentities((list) => list?.filter((i) => i.id !== identity.id) ?? null);
      setConfirming(null);
      await props.onChanged();
    } catch (err) {
      setError(`Not unlinked: ${messageOf(err)}`);
    }
  }

  return (
    <section class="card" aria-labelledby="identities-title">
      <h3 id="identities-title">Linked identities</h3>
      {error && (
        <p class="error-box" role="alert">
          {error}
        </p>
      )}
      {identities && identities.length === 0 && <p class="muted">None linked.</p>}
      {identities && identities.length > 0 && (
        <ul class="identities">
          {identities.map((identity) => (
            <li key={identity.id}>
              <span class="identity">
                <strong>{identity.provider}</strong> <code>{identity.provider_user_id}</code>
                {identity.email && <span class="sub">{identity.email}</span>}
              </span>
              {props.canWrite &&
                (confirming === identity.id ? (
                  <span class="buttons" onKeyDown={(e) => e.key === 'Escape' && setConfirming(null)}>
                    <button type="button" class="danger solid" onClick={() => unlink(identity)}>
                      Unlink
                    </button>
                    <button type="button" onClick={() => setConfirming(null)} autoFocus>
                      Keep
                    </button>
                  </span>
                ) : (
                  <button type="button" class="danger" onClick={() => setConfirming(identity.id)} aria-label={`Unlink ${identity.provider} identity ${identity.provider_user_id}…`}>
                    Unlink…
                  </button>
                ))}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
