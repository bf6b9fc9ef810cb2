// Upstream's format choice: the first of text/html, text/plain, application/json the Accept
// header rates highest; only application/json yields JSON, everything else the text table.

const OFFERS = ['text/html', 'text/plain', 'application/json'] as const;

interface AcceptRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): AcceptRange[] {
  const ranges: AcceptRange[] = [];
  for (const part of header.split(',')) {
    const [media, ...params] = part.trim().split(';');
    const [type, subtype] = media.trim().toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k?.trim().toLowerCase() === 'q') {
        const n = Number(v);
        q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** The quality the most specific matching range gives an offer (0 when none matches). */
function quality(offer: string, ranges: AcceptRange[]): number {
  const [type, subtype] = offer.split('/');
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const specificity = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
    if (specificity > best) {
      best = specificity;
      q = r.q;
    }
  }
  return best < 0 ? 0 : q;
}

export type ResponseFormat = 'json' | 'pretty';

export function chooseFormat(accept: string | undefined): ResponseFormat {
  if (!accept) return 'pretty';
  const ranges = parseAccept(accept);
  let chosen: string | null = null;
  let bestQ = 0;
  for (const offer of OFFERS) {
    const q = quality(offer, ranges);
    if (q > bestQ) {
      bestQ = q;
      chosen = offer;
    }
  }
  return chosen === 'application/json' ? 'json' : 'pretty';
}
