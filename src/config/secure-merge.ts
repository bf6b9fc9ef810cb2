// The secure file (`-s`), merged as upstream does: replaces zookeeper-servers, sets zookeeper-tls
// and merges env-vars into named diskimages, so secrets can live in a file with tighter
// permissions.
import type { Env } from './env-substitute.ts';
import type { ConfigProblem } from './errors.ts';
import type { NodepoolConfig } from './model.ts';
import { secureSchema } from './schema/current.ts';
import { problemAt, schemaProblems } from './schema-problems.ts';
import { readYaml } from './read-yaml.ts';

export function mergeSecure(
  config: NodepoolConfig, file: string, text: string, env: Env, problems: ConfigProblem[],
): void {
  const { source, consumed, problems: envProblems } = readYaml(file, text, env);
  problems.push(...envProblems);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) { problems.push(...syntax); return; }
  const raw = source.toJS().value ?? {};
  const parsed = secureSchema.safeParse(raw);
  if (!parsed.success) { problems.push(...schemaProblems(parsed.error.issues, raw, source)); return; }
  const secure = parsed.data;
  if (secure['zookeeper-servers']) {
    config.zookeeperServers = secure['zookeeper-servers'].map((z) => ({ host: z.host, port: z.port, chroot: z.chroot ?? null }));
  }
  if (secure['zookeeper-tls']) config.zookeeperTls = secure['zookeeper-tls'];
  (secure.diskimages ?? []).forEach((d, i) => {
    const target = config.diskimages.find((img) => img.name === d.name);
    if (!target) {
      problems.push(problemAt(source, ['diskimages', i, 'name'], false,
        `diskimage '${d.name}' is not in the main config (expected one of: ${config.diskimages.map((x) => x.name).join(', ') || 'none'})`));
      return;
    }
    Object.assign(target.envVars, d['env-vars']);
    target.secureEnvVars = [...new Set([...(target.secureEnvVars ?? []), ...Object.keys(d['env-vars'])])];
  });
  config.secureFile = file;
  config.consumedEnvVars = [...new Set([...(config.consumedEnvVars ?? []), ...consumed])].sort();
}
