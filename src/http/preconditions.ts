/** If-Match handling shared by every door that offers it (RFC 9110 §13.1.1, strong comparison). */

/**
 * The versions an If-Match header accepts, or undefined when there is no header or it is `*`
 * (the user exists, which the update checks anyway). A weak or malformed tag matches nothing.
 */
export function expectedVersions(ifMatch: string | undefined): number[] | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '*') return undefined;
  const versions: number[] = [];
  for (const tag of ifMatch.split(',')) {
    const match = /^\s*"(\d{1,15})"\s*$/.exec(tag);
    if (match) versions.push(Number(match[1]));
  }
  return versions;
}
