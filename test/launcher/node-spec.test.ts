import { describe, it, expect } from 'vitest';
import { chooseImage, serverMetadata, formatDynamicProperty, initialNode, serverName } from '../../src/launcher/node-spec.ts';
import { provider, pool, poolLabel, request } from './config-fixtures.ts';

describe('node spec', () => {
  const prov = provider({ diskimages: [{ name: 'ubuntu', pause: false, meta: {}, configDrive: true, connectionType: 'ssh', connectionPort: 2222 }] });

  it('uses the upload path for diskimage labels and copies login facts from the upload', () => {
    const label = poolLabel('small', { diskimage: 'ubuntu', cloudImage: null });
    expect(chooseImage(prov, label, null)).toBeNull();
    const choice = chooseImage(prov, label, { path: '/nodepool/images/ubuntu/builds/b/providers/cloud1/images/0000000001',
      externalId: 'img-1', externalName: 'ubuntu-1', username: 'zuul', pythonPath: 'auto', shellType: null });
    expect(choice).toMatchObject({ nodeImageId: '/nodepool/images/ubuntu/builds/b/providers/cloud1/images/0000000001',
      cloudImageId: 'img-1', connectionPort: 2222, configDrive: true, username: 'zuul', groupName: 'ubuntu' });
  });

  it('uses the cloud-image name otherwise', () => {
    expect(chooseImage(prov, poolLabel('small'), null)).toMatchObject({ nodeImageId: 'cirros', cloudImageName: 'cirros-0.6', username: 'cirros' });
    expect(chooseImage(prov, poolLabel('small', { cloudImage: 'nope' }), null)).toBeNull();
  });

  it('builds nova metadata with groups, properties and nodepool keys', () => {
    const label = poolLabel('small', { instanceProperties: { a: 'b' }, dynamicInstanceProperties: { job: '{request.requestor_data[job]}', bad: '{request.nope}' } });
    const image = chooseImage(prov, label, null)!;
    const meta = serverMetadata({ provider: prov, pool: pool(), label, image, nodeId: '0000000007',
      request: request('200-0000000001', { requestor_data: { job: 'tox' } }) });
    expect(meta).toEqual({ groups: 'cloud1,cirros,small', a: 'b', job: 'tox', nodepool_node_id: '0000000007',
      nodepool_pool_name: 'main', nodepool_provider_name: 'cloud1' });
  });

  it('formats dynamic properties', () => {
    expect(formatDynamicProperty('{request.id}/{request.tenant_name}', request('200-1', { tenant_name: 't' }))).toBe('200-1/t');
    expect(formatDynamicProperty('{request.bogus}', request('200-1'))).toBeNull();
  });

  it('creates init nodes allocated to the request', () => {
    const node = initialNode({ provider: prov, pool: pool({ nodeAttributes: { zone: 'east' } }), label: 'small', launcherId: 'L',
      request: request('200-1', { tenant_name: 't', requestor: 'z' }), nowSeconds: 5 });
    expect(node).toMatchObject({ state: 'init', allocated_to: '200-1', launcher: 'L', tenant_name: 't', requestor: 'z',
      attributes: { zone: 'east' }, type: ['small'], created_time: 5 });
    expect(serverName('0000000012')).toBe('np0000000012');
  });
});
