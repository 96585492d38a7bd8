/** The field editor: every writable field, labelled, with the API's own messages beside each. */
import { EDITABLE_FIELDS, FIELD_GROUPS, toDraft, type Draft, type EditableField, type FieldDef } from './form-model.ts';
import type { FieldErrors, User } from './types.ts';

interface Props {
  user: User;
  draft: Draft;
  errors: FieldErrors;
  problem: string | null;
  canWrite: boolean;
  saving: boolean;
  onEdit: (field: EditableField, value: string | boolean) => void;
  onSubmit: (event: Event) => void;
  onDiscard: () => void;
}

export function UserForm(props: Props) {
  const pristine = toDraft(props.user);
  const dirty = EDITABLE_FIELDS.filter((f) => props.draft[f] !== pristine[f]);
  return (
    // noValidate: the API is the one judge of a value, so its messages are the ones shown.
    <form class="user-form" noValidate onSubmit={props.onSubmit} aria-labelledby="fields-title">
      <h3 id="fields-title">Fields</h3>
      {props.problem && (
        <p class="error-box" role="alert">
          {props.problem}
        </p>
      )}
      {!props.canWrite && <p class="hint">This key has the read scope only: fields are shown, not editable.</p>}
      <fieldset class="plain" disabled={!props.canWrite}>
        {FIELD_GROUPS.map((group) => (
          <fieldset class="group" key={group.title}>
            <legend>{group.title}</legend>
            <div class={group.checks ? 'checks' : 'grid'}>
              {group.fields.map((def) => (
                <Field key={def.name} def={def} value={props.draft[def.name]} changed={dirty.includes(def.name)} messages={props.errors[def.name]} onEdit={props.onEdit} />
              ))}
            </div>
          </fieldset>
        ))}
      </fieldset>
      {props.canWrite && (
        <div class="form-actions">
          <span class="muted" aria-live="polite">
            {dirty.length === 0 ? 'No unsaved changes' : `${dirty.length} unsaved change${dirty.length === 1 ? '' : 's'}`}
          </span>
          <button type="button" onClick={props.onDiscard} disabled={dirty.length === 0 || props.saving}>
            Discard
          </button>
          <button type="submit" class="primary" disabled={props.saving}>
            {props.saving ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      )}
    </form>
  );
}

function Field(props: { def: FieldDef; value: string | boolean; changed: boolean; messages: string[] | undefined; onEdit: Props['onEdit'] }) {
  const { def, value, messages } = props;
  const id = `f-${def.name}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [messages ? errorId : null, def.hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    'aria-describedby': describedBy,
    'aria-invalid': messages ? ('true' as const) : undefined,
  };
  const error = messages && (
    <p id={errorId} class="field-error">
      {messages.map((m) => (
        <span key={m}>{m}</span>
      ))}
    </p>
  );
  const hint = def.hint && (
    <p id={hintId} class="hint">
      {def.hint}
    </p>
  );
  const classes = ['field', def.kind === 'checkbox' ? 'check' : '', def.wide ? 'wide' : '', props.changed ? 'changed' : '', messages ? 'invalid' : ''].filter(Boolean).join(' ');

  if (def.kind === 'checkbox') {
    return (
      <div class={classes}>
        <input {...common} type="checkbox" checked={value === true} onChange={(e) => props.onEdit(def.name, e.currentTarget.checked)} />
        <label for={id}>{def.label}</label>
        {error}
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  const onInput = (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => props.onEdit(def.name, e.currentTarget.value);
  return (
    <div class={classes}>
      <div class="label-row">
        <label for={id}>{def.label}</label>
        {/* Visual only, so the field's accessible name stays its label; the form counts unsaved changes aloud. */}
        {props.changed && (
          <span class="changed-mark" aria-hidden="true">
            edited
          </span>
        )}
      </div>
      {def.kind === 'textarea' || def.kind === 'json' ? (
        <textarea {...common} rows={def.kind === 'json' ? 4 : 3} spellcheck={def.kind !== 'json'} value={text} onInput={onInput} class={def.kind === 'json' ? 'mono' : undefined} />
      ) : (
        <input {...common} type={def.kind} value={text} onInput={onInput} autocomplete="off" spellcheck={false} />
      )}
      {hint}
      {error}
    </div>
  );
}
