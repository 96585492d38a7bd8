/** One changed field, `field: before → after`, as the history and the conflict warning show it. */
import { showValue } from './format.ts';

function Value(props: { value: unknown; as: 'del' | 'ins' }) {
  const Tag = props.as;
  // An absent value is not struck out or highlighted: there was nothing there.
  return <Tag class={props.value === null || props.value === undefined ? 'none' : undefined}>{showValue(props.value)}</Tag>;
}

export function ChangeLine(props: { field: string; before: unknown; after: unknown; created?: boolean }) {
  return (
    <>
      <code class="field-name">{props.field}</code>:{' '}
      {props.created ? (
        <Value value={props.after} as="ins" />
      ) : (
        <>
          <Value value={props.before} as="del" /> → <Value value={props.after} as="ins" />
        </>
      )}
    </>
  );
}
