/**
 * One user, open for editing. The form edits a copy (the draft) of the version it was opened at;
 * saving sends only the changed fields with If-Match, so a user changed meanwhile is never
 * overwritten silently: the 412 brings the new values in and shows them.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Api } from './api.ts';
import { Identities, UserActions } from './actions.tsx';
import { ChangeLine } from './change.tsx';
import { displayName, showTime } from './format.ts';
import { EDITABLE_FIELDS, patchFrom, rebase, toDraft, type Draft, type EditableField, type FieldChange } from './form-model.ts';
import { History } from './history.tsx';
import type { FieldErrors, User } from './types.ts';
import { UserForm } from './user-form.tsx';

export interface Conflict {
  reason: 'save' | 'delete' | 'refresh';
  changes: FieldChange[];
  /** Fields the draft still holds an edit for, among those that changed. */
  overlapping: EditableField[];
}

interface Props {
  api: Api;
  id: string;
  canWrite: boolean;
  onChanged: (user: User) => void;
  onDeleted: (id: string, label: string) => void;
}

export function UserPane({ api, id, canWrite, onChanged, onDeleted }: Props) {
  const [base, setBase] = useState<User | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [notice, setNotice] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const conflictBox = useRef<HTMLDivElement>(null);
  // Async handlers read the newest state through this, not through the render they started in.
  const latest = useRef({ base, draft });
  latest.current = { base, draft };

  useEffect(() => {
    let stale = false;
    api.getUser(id).then(
      (user) => {
        if (stale) return;
        setBase(user);
        setDraft(toDraft(user));
        requestAnimationFrame(() => heading.current?.focus());
      },
      (error: unknown) => {
        if (stale) return;
        setMissing(error instanceof ApiError && error.status === 404 ? `No user ${id} in this environment.` : error instanceof Error ? error.message : String(error));
      },
    );
    return () => {
      stale = true;
    };
  }, [api, id]);

  useEffect(() => {
    if (conflict) conflictBox.current?.focus();
  }, [conflict]);

  /** Takes in a newer version of the user, keeping the edits in progress; others' changes are shown. */
  function absorb(fresh: User, reason: Conflict['reason'] | null) {
    const { base: old, draft: current } = latest.current;
    if (!old || !current) return;
    const { draft: next, changed } = rebase(old, fresh, current);
    const pristine = toDraft(fresh);
    setBase(fresh);
    setDraft(next);
    onChanged(fresh);
    if (reason && (reason !== 'refresh' || changed.length > 0)) {
      setConflict({ reason, changes: changed, overlapping: changed.map((c) => c.field).filter((f) => next[f] !== pristine[f]) });
    }
  }

  async function refresh(reason: Conflict['reason'] = 'refresh') {
    try {
      absorb(await api.getUser(id), reason);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) setMissing('This user no longer exists: it was deleted meanwhile.');
      else setProblem(error instanceof Error ? error.message : String(error));
    }
  }

  async function save(event: Event) {
    event.preventDefault();
    const { base: current, draft: edited } = latest.current;
    if (!current || !edited) return;
    setNotice('');
    setProblem(null);
    const { patch, errors: local } = patchFrom(current, edited);
    if (Object.keys(local).length > 0) return showErrors(local, 'Not saved: fix the fields marked below.');
    const fields = Object.keys(patch);
    if (fields.length === 0) {
      setErrors({});
      setNotice('Nothing to save: no field was changed.');
      return;
    }
    setSaving(true);
    try {
      const saved = await api.updateUser(current, patch);
      setBase(saved);
      setDraft(toDraft(saved));
      setErrors({});
      setConflict(null);
      onChanged(saved);
      setNotice(`Saved ${fields.join(', ')}. Now at version ${saved.version}.`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 412) await refresh('save');
      else if (error.status === 404) setMissing('This user no longer exists: it was deleted meanwhile.');
      else if (Object.keys(error.details).length > 0) showErrors(error.details, `Not saved: ${error.message}.`);
      else setProblem(`Not saved: ${error.message}`);
    } finally {
      setSaving(false);
    }
  }

  function showErrors(details: FieldErrors, summary: string) {
    setErrors(details);
    const elsewhere = Object.entries(details).filter(([field]) => !(EDITABLE_FIELDS as string[]).includes(field));
    setProblem([summary, ...elsewhere.map(([field, messages]) => `${field}: ${messages.join(' ')}`)].join(' '));
    const first = EDITABLE_FIELDS.find((field) => details[field]);
    if (first) requestAnimationFrame(() => document.getElementById(`f-${first}`)?.focus());
  }

  function edit(field: EditableField, value: string | boolean) {
    setDraft((d) => (d ? { ...d, [field]: value } : d));
    if (errors[field]) setErrors(({ [field]: _gone, ...rest }) => rest);
  }

  function discard() {
    if (!base) return;
    setDraft(toDraft(base));
    setErrors({});
    setProblem(null);
    setConflict(null);
    setNotice('Edits discarded.');
  }

  if (missing) {
    return (
      <div class="placeholder">
        <h2>User not found</h2>
        <p role="alert">{missing}</p>
        <p>
          <a href="#">Back to search</a>
        </p>
      </div>
    );
  }
  if (!base || !draft) {
    return (
      <p class="placeholder" role="status">
        Loading {id}…
      </p>
    );
  }

  const label = displayName(base) || base.email || base.username || base.id;
  return (
    <article class="user" aria-labelledby="user-title">
      <header class="user-head">
        <div class="user-title">
          <h2 id="user-title" tabIndex={-1} ref={heading}>
            {label}
          </h2>
          <p class="ids">
            <code>{base.id}</code> · created {showTime(base.created_at)} through {base.source} · updated {showTime(base.updated_at)}
          </p>
        </div>
        <ul class="badges" aria-label="Status">
          <li class={base.email_verified ? 'ok' : 'warn'}>{base.email_verified ? 'Email verified' : 'Email not verified'}</li>
          <li class={base.password_set ? 'ok' : ''}>{base.password_set ? 'Password set' : 'No password'}</li>
          <li class={base.active ? 'ok' : 'warn'}>{base.active ? 'Active' : 'Inactive'}</li>
          <li>Version {base.version}</li>
          {base.pending_email && <li class="warn">Pending email: {base.pending_email}</li>}
        </ul>
      </header>

      <UserActions
        api={api}
        user={base}
        canWrite={canWrite}
        onUser={(user) => absorb(user, 'refresh')}
        onStale={() => refresh('delete')}
        onDeleted={() => onDeleted(base.id, label)}
      />

      <p class="notice" role="status">
        {notice}
      </p>
      {conflict && <ConflictBox conflict={conflict} boxRef={conflictBox} onDiscard={discard} onDismiss={() => setConflict(null)} />}

      <div class="user-grid">
        <UserForm user={base} draft={draft} errors={errors} problem={problem} canWrite={canWrite} saving={saving} onEdit={edit} onSubmit={save} onDiscard={discard} />
        <aside class="side">
          <Identities api={api} user={base} canWrite={canWrite} onChanged={() => refresh()} />
          <History api={api} userId={base.id} version={base.version} />
        </aside>
      </div>
    </article>
  );
}

function ConflictBox(props: { conflict: Conflict; boxRef: { current: HTMLDivElement | null }; onDiscard: () => void; onDismiss: () => void }) {
  const { reason, changes, overlapping } = props.conflict;
  const lead = {
    save: 'Not saved: this user was changed by someone else after you opened it.',
    delete: 'Not deleted: this user was changed by someone else after you opened it. Review the new values, then delete again if you still mean to.',
    refresh: 'This user was changed by someone else while you had it open.',
  }[reason];
  return (
    <div class="conflict" role="alert" tabIndex={-1} ref={props.boxRef} aria-labelledby="conflict-title">
      <h3 id="conflict-title">Changed by someone else</h3>
      <p>{lead}</p>
      {changes.length > 0 ? (
        <>
          <p>Their new values, now shown in the form:</p>
          <ul class="changes">
            {changes.map((c) => (
              <li key={c.field}>
                <ChangeLine field={c.field} before={c.before} after={c.after} />
                {overlapping.includes(c.field) && <strong class="overlap"> — you edited this too; your value is still in the form</strong>}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>None of the fields shown here changed (the password or verification state may have).</p>
      )}
      {reason === 'save' && <p>Your edits are kept in the form. Save again to apply them on top of these values, or discard them.</p>}
      <div class="buttons">
        <button type="button" onClick={props.onDiscard}>
          Discard my edits
        </button>
        <button type="button" class="ghost" onClick={props.onDismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
