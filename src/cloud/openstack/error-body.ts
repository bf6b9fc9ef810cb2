// OpenStack services wrap error messages differently; this digs out the human message.
//   Nova:     {"forbidden": {"code": 403, "message": "Quota exceeded ..."}}
//   Neutron:  {"NeutronError": {"type": "OverQuota", "message": "..."}}
//   Keystone: {"error": {"code": 401, "title": "Unauthorized", "message": "..."}}
//   Glance:   plain text or HTML ("<h1>409 Conflict</h1> Image ... ")

const MAX_MESSAGE = 500;

export function errorMessageFromBody(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (trimmed.startsWith('{')) {
    try {
      const found = findMessage(JSON.parse(trimmed), 0);
      if (found) return clip(found);
    } catch {
      // not JSON after all: fall through to the text form
    }
  }
  // Strip HTML tags Glance and proxies wrap around their text.
  const plain = trimmed.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return plain === '' ? null : clip(plain);
}

function findMessage(value: unknown, depth: number): string | null {
  if (depth > 3 || value === null || typeof value !== 'object') return null;
  const obj = value as Record<string, unknown>;
  for (const key of ['message', 'faultstring', 'detail', 'description']) {
    if (typeof obj[key] === 'string' && obj[key] !== '') return obj[key] as string;
  }
  for (const inner of Object.values(obj)) {
    const m = findMessage(inner, depth + 1);
    if (m) return m;
  }
  return null;
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}...` : s;
}
