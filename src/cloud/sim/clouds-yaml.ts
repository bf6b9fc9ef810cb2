// clouds.yaml for a running simulator, in the shape openstacksdk and our client read.
import { stringify } from 'yaml';
import type { SimCloud } from './cloud.ts';

export interface CloudsYamlOptions {
  /** password (default) or application_credential. */
  auth?: 'password' | 'application_credential';
  /** Scope the password login by project name + domain (default) or by project id. */
  projectBy?: 'name' | 'id';
  /**
   * List the tenant networks with routes_externally (default true), so openstacksdk reports a
   * server's 127.x fixed IP as public_v4/interface_ip when it has no floating IP, as on a cloud
   * with provider networks. Without it openstacksdk sees loopback as private and interface_ip is empty.
   */
  routesExternally?: boolean;
  /** CA bundle for an HTTPS simulator (clouds.yaml `cacert`). */
  cacert?: string;
}

export function cloudConfig(sim: SimCloud, rootUrl: string, options: CloudsYamlOptions = {}): Record<string, unknown> {
  const { config } = sim;
  const authUrl = `${rootUrl}/identity/v3`;
  const common: Record<string, unknown> = { region_name: config.region, interface: 'public', identity_api_version: 3 };
  if (options.cacert) common.cacert = options.cacert;
  if (options.routesExternally !== false) {
    common.networks = Object.values(sim.data.networks)
      .filter((n) => !n.external)
      .map((n) => ({ name: n.name, routes_externally: true }));
  }
  if (options.auth === 'application_credential') {
    const cred = config.applicationCredentials[0];
    if (!cred) throw new Error('the simulator config has no application credential');
    return {
      auth_type: 'v3applicationcredential',
      auth: { auth_url: authUrl, application_credential_id: cred.id, application_credential_secret: cred.secret },
      ...common,
    };
  }
  const user = config.users[0];
  const scope =
    options.projectBy === 'id'
      ? { project_id: config.project.id }
      : { project_name: config.project.name, project_domain_name: config.domain.name };
  return {
    auth_type: 'password',
    auth: { auth_url: authUrl, username: user.name, password: user.password, user_domain_name: config.domain.name, ...scope },
    ...common,
  };
}

export function cloudsYaml(sim: SimCloud, rootUrl: string, cloudName: string, options: CloudsYamlOptions = {}): string {
  return stringify({ clouds: { [cloudName]: cloudConfig(sim, rootUrl, options) } });
}
