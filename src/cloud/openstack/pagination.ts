// Following Nova/Neutron `*_links rel=next` and Glance `next`, with a guard against endless paging.
import { TerminalError } from '../errors.ts';

/** More pages than this is treated as a broken cloud rather than a big project. */
export const DEFAULT_MAX_PAGES = 1000;

export interface Page<T> {
  items: T[];
  /** The service's next link (absolute or relative), null on the last page. */
  next: string | null;
}

/**
 * The next page's URL: the link's query applied to our own endpoint path. Services often build
 * links from their own idea of their host (behind proxies, the wrong one), so only the query is
 * trusted.
 */
export function nextPageUrl(currentUrl: string, link: string): string {
  const current = new URL(currentUrl);
  const target = new URL(link, currentUrl);
  return `${current.origin}${current.pathname}${target.search}`;
}

/** The marker of a page URL, or the whole query when it has none. */
function pageKey(url: string): string {
  const u = new URL(url);
  return u.searchParams.get('marker') ?? u.search;
}

/** Fetches every page. Throws TerminalError on a repeated marker or more than `maxPages` pages. */
export async function collectPages<T>(
  firstUrl: string,
  fetchPage: (url: string) => Promise<Page<T>>,
  options: { maxPages?: number; what?: string } = {},
): Promise<T[]> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const what = options.what ?? 'list';
  const items: T[] = [];
  const seen = new Set<string>();
  let url: string | null = firstUrl;
  for (let pages = 0; url !== null; pages++) {
    if (pages >= maxPages) throw new TerminalError(`${what}: more than ${maxPages} pages, giving up (endless pagination?)`);
    const page: Page<T> = await fetchPage(url);
    for (const item of page.items) items.push(item);
    if (page.next === null || page.items.length === 0) break;
    const next = nextPageUrl(url, page.next);
    const key = pageKey(next);
    if (seen.has(key) || next === url) throw new TerminalError(`${what}: the cloud returned the same next page twice (marker ${key}), endless pagination`);
    seen.add(key);
    url = next;
  }
  return items;
}

/** The href of the rel=next entry in a Nova/Neutron `*_links` array. */
export function nextLink(links: unknown): string | null {
  if (!Array.isArray(links)) return null;
  for (const l of links as { rel?: string; href?: string }[]) {
    if (l?.rel === 'next' && typeof l.href === 'string') return l.href;
  }
  return null;
}
