// clouds.yaml (+ secure.yaml) → CloudsConfig, as openstacksdk reads them: first file on the
// search path wins, secure.yaml is deep-merged over it, OS_CLOUD names the default cloud.
// Environment, home and cwd are parameters; nothing here reads process.env.
import { readFileSync } from 'node:fs';
import { deepFreeze } from '../deep-freeze.ts';
import { isRecord } from '../detect-format.ts';
import { ConfigError, formatPath, type ConfigPath, type ConfigProblem } from '../errors.ts';
import type { CloudAuth, CloudConfig, CloudsConfig } from '../model.ts';
import { problemAt, schemaProblems, valueAt } from '../schema-problems.ts';
import { YamlSource } from '../yaml-source.ts';
import { cloudEntrySchema, cloudsFileSchema, type RawCloudEntry } from './schema.ts';
import { cloudsFileCandidates, secureFileCandidates, type SearchDirs } from './search-path.ts';

export interface LoadCloudsOptions extends SearchDirs {
  /** Returns null when the file does not exist; defaults to the real disk. */
  readFile?: (path: string) => string | null;
}

const diskRead = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

export function loadClouds(opts: LoadCloudsOptions): CloudsConfig {
  const read = opts.readFile ?? diskRead;
  const problems: ConfigProblem[] = [];
  const main = firstFound(cloudsFileCandidates(opts), read, problems);
  const secure = firstFound(secureFileCandidates(opts), read, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  // A copy: main.raw must keep saying which keys the main file itself has (for positions).
  const raw: Record<string, unknown> = main ? structuredClone(main.raw) : { clouds: {} };
  if (secure) deepMerge(raw, secure.raw);
  const sourceFor = (path: ConfigPath): YamlSource | null =>
    main && valueAt(main.raw, path) !== undefined ? main.source : secure?.source ?? main?.source ?? null;

  const top = cloudsFileSchema.safeParse(raw);
  if (!top.success) {
    if (main) problems.push(...schemaProblems(top.error.issues, raw, main.source));
    throw new ConfigError(problems);
  }
  const clouds: Record<string, CloudConfig> = {};
  for (const [name, entry] of Object.entries(top.data.clouds)) {
    const base = ['clouds', name];
    const parsed = cloudEntrySchema.safeParse(entry);
    if (!parsed.success) {
      const src = sourceFor(base);
      if (src) problems.push(...schemaProblems(parsed.error.issues.map((i) => ({ ...i, path: [...base, ...i.path] })), raw, src));
      continue;
    }
    const report = (path: ConfigPath, message: string) => {
      const src = sourceFor([...base, ...path]);
      if (src) problems.push(problemAt(src, [...base, ...path], false, message));
    };
    const cloud = toCloud(name, parsed.data, report);
    if (cloud) clouds[name] = cloud;
  }

  // Every provider names its cloud in nodepool.yaml, so OS_CLOUD (often exported for the
  // openstack CLI) is only remembered when it names a cloud here, never an error.
  const defaultCloud = opts.env.OS_CLOUD !== undefined && opts.env.OS_CLOUD in clouds ? opts.env.OS_CLOUD : null;
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({ file: main?.source.file ?? null, clouds, defaultCloud, secureFile: secure?.source.file ?? null });
}

function toCloud(name: string, c: RawCloudEntry, report: (path: ConfigPath, message: string) => void): CloudConfig | null {
  const a = c.auth;
  let ok = true;
  const need = (value: unknown, key: string, why: string) => {
    if (value === undefined || value === '') { report(['auth'], `missing auth.${key} (expected ${why})`); ok = false; }
  };
  need(a.auth_url, 'auth_url', 'the Keystone URL');
  let auth: CloudAuth | null = null;
  if (c.auth_type === 'password' || c.auth_type === 'v3password') {
    need(a.password, 'password', 'the password, here or in secure.yaml');
    if (a.username === undefined && a.user_id === undefined) { report(['auth'], 'missing auth.username (expected username or user_id)'); ok = false; }
    auth = {
      type: 'password', authUrl: a.auth_url ?? '', password: a.password ?? '',
      username: a.username, userId: a.user_id, userDomainName: a.user_domain_name, userDomainId: a.user_domain_id,
      projectName: a.project_name ?? a.tenant_name, projectId: a.project_id ?? a.tenant_id,
      projectDomainName: a.project_domain_name, projectDomainId: a.project_domain_id,
    };
  } else if (c.auth_type === 'v3applicationcredential') {
    need(a.application_credential_secret, 'application_credential_secret', 'the secret, here or in secure.yaml');
    if (a.application_credential_id === undefined && a.application_credential_name === undefined) {
      report(['auth'], 'missing auth.application_credential_id (expected application_credential_id or application_credential_name)');
      ok = false;
    }
    auth = {
      type: 'v3applicationcredential', authUrl: a.auth_url ?? '',
      applicationCredentialId: a.application_credential_id, applicationCredentialName: a.application_credential_name,
      applicationCredentialSecret: a.application_credential_secret ?? '',
      username: a.username, userDomainName: a.user_domain_name,
    };
  } else {
    report(['auth_type'], `auth_type '${c.auth_type}' is not supported (expected password or v3applicationcredential)`);
    ok = false;
  }
  const regions = c.regions.map((r) => (typeof r === 'string' ? r : r.name));
  if (c.region_name !== undefined && regions.length > 0 && !regions.includes(c.region_name)) {
    report(['region_name'], `region '${c.region_name}' is not in this cloud's regions (expected one of: ${regions.join(', ')})`);
    ok = false;
  }
  if (!ok || !auth) return null;
  return {
    name,
    auth,
    regions,
    // openstacksdk: without region_name the first listed region is used.
    regionName: c.region_name ?? regions[0] ?? null,
    interface: c.interface,
    imageFormat: c.image_format,
    verify: c.insecure === true ? false : c.verify,
    cacert: c.cacert ?? null,
    computeApiVersion: c.compute_api_version ?? null,
  };
}

function firstFound(
  candidates: string[],
  read: (path: string) => string | null,
  problems: ConfigProblem[],
): { source: YamlSource; raw: Record<string, unknown> } | null {
  for (const file of candidates) {
    const text = read(file);
    if (text === null) continue;
    const source = new YamlSource(file, text);
    const syntax = source.syntaxProblems();
    if (syntax.length > 0) { problems.push(...syntax); return null; }
    const parsed = source.toJS();
    if (parsed.problems.length > 0) { problems.push(...parsed.problems); return null; }
    const raw = parsed.value ?? {};
    if (!isRecord(raw)) {
      problems.push({ severity: 'error', file, line: 1, col: 1, path: '(top level)', message: 'not a mapping (expected clouds: {NAME: {...}})' });
      return null;
    }
    return { source, raw };
  }
  return null;
}

/** openstacksdk's merge: mappings merge key by key, anything else is replaced. */
function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    if (isRecord(existing) && isRecord(value)) deepMerge(existing, value);
    else into[key] = value;
  }
}
