/**
 * A payload format: how an event becomes a request body, and how that body is signed. The worker
 * is given a map of them when it is assembled, so a format can live wherever its wire shape does.
 */
import type { WebhookFormatName } from '../domain/webhooks.ts';
import type { UserEvent } from '../store/contract.ts';

export interface SigningInput {
  /** The delivery's id: the same on every attempt, so receivers can drop repeats. */
  messageId: string;
  /** The time of this attempt (receivers refuse stale ones). */
  timestamp: Date;
  body: string;
  /** Every secret that is valid now, the newest first. */
  secrets: readonly string[];
}

export interface WebhookFormat {
  body(event: UserEvent): string;
  /** The signature (and id) headers of one attempt. */
  headers(input: SigningInput): Record<string, string>;
}

export type WebhookFormats = Record<WebhookFormatName, WebhookFormat>;
