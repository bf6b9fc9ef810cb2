// The Debian mirror and security archive as this host's apt is configured (so no host name is
// written into the project): deb822 .sources files and one-line .list files.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function debianMirrors(): { main: string | null; security: string | null } {
  const uris: string[] = [];
  const dir = '/etc/apt/sources.list.d';
  let files: string[] = [];
  try {
    files = readdirSync(dir).map((f) => join(dir, f));
  } catch {
    // no directory
  }
  for (const file of ['/etc/apt/sources.list', ...files]) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const deb822 = /^URIs:\s*(.+)$/.exec(line);
      if (deb822) uris.push(...deb822[1].trim().split(/\s+/));
      const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
      if (oneLine) uris.push(oneLine[1]);
    }
  }
  const clean = uris.map((u) => u.replace(/\/+$/, ''));
  return {
    main: clean.find((u) => /\/debian$/.test(u)) ?? null,
    security: clean.find((u) => /\/debian-security$/.test(u)) ?? null,
  };
}
