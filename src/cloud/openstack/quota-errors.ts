// Which Nova/Neutron/Cinder messages mean "over quota" (nodepool's QuotaException rules).

/**
 * True for "Quota exceeded for cores: ...", "Maximum number of ports exceeded",
 * "Requested volume exceeds allowed gigabytes quota" and the like.
 */
export function isQuotaMessage(message: string | null | undefined): boolean {
  if (!message) return false;
  const m = message.toLowerCase();
  if (m.includes('quota exceeded')) return true;
  if (m.includes('number of ports exceeded')) return true;
  return m.includes('quota') && (m.includes('exceeds') || m.includes('exceeded'));
}

/** Status codes Nova uses for a refused create: 403 (current) and 413 (older releases). */
export function isQuotaResponse(status: number, message: string | null | undefined): boolean {
  return (status === 403 || status === 413 || status === 409 || status === 400) && isQuotaMessage(message);
}
