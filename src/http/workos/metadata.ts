/**
 * WorkOS user metadata: string values only, with WorkOS's own limits, stricter than the canonical
 * ones (https://workos.com/docs/authkit/metadata). Updates are merged as the canonical JSON merge
 * patch is: a `null` value deletes its key. WorkOS adds that `metadata: {}` deletes every key, which
 * is the canonical `metadata: null`.
 */
import { ValidationError } from '../../domain/errors.ts';
import { mergePatch } from '../../domain/metadata.ts';
import type { JsonObject } from '../../domain/user.ts';

/**
 * The docs' "up to 10 key-value pairs" rather than the OpenAPI document's maxProperties of 50: an
 * application that fits here also fits on WorkOS. Keys ≤40 and values ≤600 ASCII characters (both
 * sources agree). The key limit is the planner's to apply (MetadataPolicy), to the user as it is.
 */
export const WORKOS_METADATA_LIMITS = { maxKeys: 10, maxKeyLength: 40, maxValueLength: 600 } as const;

const PRINTABLE_ASCII = /^[\x20-\x7E]+$/;
const ASCII = /^[\x00-\x7F]*$/;

function invalid(message: string): ValidationError {
  return new ValidationError({ metadata: [message] }, message, 'metadata_rejected');
}

/**
 * The canonical merge patch of a WorkOS metadata value, after checking keys and values.
 * `null` and `{}` both clear every key (canonical `null`). Throws ValidationError('metadata_rejected').
 */
export function metadataPatch(metadata: Record<string, unknown> | null): JsonObject | null {
  if (metadata === null) return null;
  const keys = Object.keys(metadata);
  if (keys.length === 0) return null;
  const { maxKeyLength, maxValueLength } = WORKOS_METADATA_LIMITS;
  for (const key of keys) {
    if (!PRINTABLE_ASCII.test(key) || key.length > maxKeyLength) {
      throw invalid(`Metadata keys must be 1 to ${maxKeyLength} printable ASCII characters: '${key.slice(0, 60)}'`);
    }
    const value = metadata[key];
    if (value === null) continue;
    if (typeof value !== 'string') throw invalid(`Metadata values must be strings (or null to delete the key): '${key}'`);
    if (!ASCII.test(value) || value.length > maxValueLength) {
      throw invalid(`Metadata values must be at most ${maxValueLength} ASCII characters: '${key}'`);
    }
  }
  return metadata as JsonObject;
}

/** A new user's metadata: the patch applied to nothing, so `null` values simply fall away. */
export function initialMetadata(patch: JsonObject | null): JsonObject {
  return patch === null ? {} : (mergePatch({}, patch) as JsonObject);
}
