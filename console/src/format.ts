/** How values read on screen. */

/** A field value for the history and conflict views: strings as they are, absent as "(none)". */
export function showValue(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (isIdentity(value)) return `${value.provider} ${value.provider_user_id}`;
  if (Array.isArray(value) && value.length > 0 && value.every(isIdentity)) return value.map(showValue).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Linked identities appear in events as objects; a person reads them as "github 1815". */
function isIdentity(value: unknown): value is { provider: string; provider_user_id: string } {
  const v = value as { provider?: unknown; provider_user_id?: unknown } | null;
  return typeof v === 'object' && v !== null && typeof v.provider === 'string' && typeof v.provider_user_id === 'string';
}

/** 2025-01-31T12:00:00.000Z → 2025-01-31 12:00:00 UTC: one zone for every reader of a support ticket. */
export function showTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

export function displayName(user: { first_name: string | null; last_name: string | null; name: string | null }): string {
  const full = [user.first_name, user.last_name].filter(Boolean).join(' ');
  return user.name ?? (full || '');
}
