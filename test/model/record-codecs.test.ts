import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeRequest, encodeRequest } from '../../src/model/request.ts';
import { decodeImageBuild, encodeImageBuild } from '../../src/model/image-build.ts';
import { decodeImageUpload, encodeImageUpload } from '../../src/model/image-upload.ts';
import { decodeComponent, encodeComponent, type ComponentKind } from '../../src/model/component.ts';
import { decodeExplanation, encodeExplanation } from '../../src/model/explanation.ts';
import { RecordDecodeError } from '../../src/model/errors.ts';
import { newImageBuild, newRequest } from '../../src/model/factories.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const uploadMeta = { image: 'fake-dib-image', build_id: '7d7f432f123049798d499e11ca17cd9f', provider: 'fake-provider' };

describe('NodeRequest codec', () => {
  it('re-encodes a request as upstream writes it', () => {
    const request = decodeRequest('200-0000000018', fixture('observed-request.json'));
    expect(request).toMatchObject({ state: 'requested', reuse: true, requestor: 'zk-dump', requestor_data: { capture: true } });
    expect(encodeRequest(request).toString('utf8')).toBe(fixture('observed-request.upstream-bytes.json'));
  });

  it('drops unknown keys on rewrite and applies read defaults', () => {
    const request = decodeRequest('100-0000000001', '{"state": "requested", "node_types": ["a"], "colour": "red"}');
    expect(request).toMatchObject({ declined_by: [], nodes: [], reuse: true, relative_priority: 0, event_id: null });
    expect(encodeRequest(request).toString('utf8')).not.toContain('colour');
  });

  it('reads the key order Zuul writes', () => {
    const zuul = '{"requestor_data": {"x": 1}, "node_types": ["ubuntu-jammy"], "requestor": "sys", "created_time": 1726588990.2, "provider": null, "state": "requested", "state_time": 1726588990.2, "relative_priority": 0, "event_id": "e1", "tenant_name": "openstack"}';
    const request = decodeRequest('200-0000000001', zuul);
    expect(encodeRequest(request).toString('utf8')).toBe(
      '{"state": "requested", "state_time": 1726588990.2, "declined_by": [], "node_types": ["ubuntu-jammy"], "nodes": [], "reuse": true, "requestor": "sys", "requestor_data": {"x": 1}, "provider": null, "relative_priority": 0, "event_id": "e1", "created_time": 1726588990.2, "tenant_name": "openstack"}',
    );
  });

  it('newRequest generates a uuid4-hex event id', () => {
    const request = newRequest({ node_types: ['small'] }, 1_000_000);
    expect(request.event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(request.state_time).toBe(1000);
  });
});

describe('ImageBuild codec', () => {
  it('re-encodes a build as upstream writes it', () => {
    const build = decodeImageBuild('7d7f432f123049798d499e11ca17cd9f', fixture('observed-build.json'), { image: 'fake-dib-image' });
    expect(build.formats).toEqual(['qcow2']);
    expect(encodeImageBuild(build).toString('utf8')).toBe(fixture('observed-build.upstream-bytes.json'));
  });

  it('writes formats sorted and comma-joined, omitting empty formats and unset builder', () => {
    const build = { id: 'x', ...newImageBuild({ image: 'img', formats: ['raw', 'qcow2'] }, 1_726_580_000_000) };
    expect(encodeImageBuild(build).toString('utf8')).toBe(
      '{"state": "building", "state_time": 1726580000.0, "formats": "qcow2,raw", "username": "zuul", "python_path": "auto", "shell_type": null}',
    );
    build.formats = [];
    expect(encodeImageBuild(build).toString('utf8')).not.toContain('formats');
  });

  it('decodes the reference example and defaults python_path to python2', () => {
    const build = decodeImageBuild('b', fixture('reference-build.json'), { image: 'i' });
    expect(build.formats).toEqual(['qcow2', 'raw']);
    expect(encodeImageBuild(build).toString('utf8')).toBe(fixture('reference-build.json').trimEnd().replace(/\n /g, ' '));
    expect(decodeImageBuild('b', '{"state": "ready"}', { image: 'i' })).toMatchObject({ python_path: '/usr/bin/python2', username: 'zuul', formats: [] });
  });
});

describe('ImageUpload codec', () => {
  it('re-encodes an upload as upstream writes it', () => {
    const upload = decodeImageUpload('0000000001', fixture('observed-upload.json'), uploadMeta);
    expect(upload).toMatchObject({ ...uploadMeta, id: '0000000001', format: 'qcow2' });
    expect(encodeImageUpload(upload).toString('utf8')).toBe(fixture('observed-upload.upstream-bytes.json'));
    const reference = decodeImageUpload('0000000003', fixture('reference-upload.json'), uploadMeta);
    expect(encodeImageUpload(reference).toString('utf8')).toBe(fixture('reference-upload.json').trimEnd().replace(/\n /g, ' '));
  });
});

describe('Component codec', () => {
  for (const kind of ['launcher', 'builder', 'pool'] as ComponentKind[]) {
    it(`re-encodes a ${kind} component with sorted keys, byte for byte`, () => {
      const component = decodeComponent(kind, fixture(`observed-${kind}-component.json`));
      expect(component.kind).toBe(kind);
      expect(encodeComponent(component).toString('utf8')).toBe(fixture(`observed-${kind}-component.upstream-bytes.json`));
    });
  }

  it('reads the pool fields Zuul uses', () => {
    const pool = decodeComponent('pool', fixture('reference-pool-component.json'));
    expect(pool).toMatchObject({ kind: 'pool', provider_name: 'mycloud-region1', supported_labels: ['ubuntu-jammy'], priority: 100 });
  });

  it('keeps a state a newer writer added verbatim, and writes it back unchanged', () => {
    const launcher = decodeComponent('launcher', '{"hostname": "h", "state": "draining"}');
    expect(launcher.state).toBe('draining');
    expect(JSON.parse(encodeComponent(launcher).toString('utf8')).state).toBe('draining');
  });

  it('rejects a component whose state is not a string', () => {
    expect(() => decodeComponent('launcher', '{"state": {"toString": 1}}')).toThrow(RecordDecodeError);
  });
});

describe('Explanation codec', () => {
  it('round-trips', () => {
    const explanation = { request_id: '200-0000000001', pool_id: 'p1', provider: 'cloud', pool: 'main', reason: 'declined: images are not available', time: 12.5 };
    expect(decodeExplanation(encodeExplanation(explanation), '/x')).toEqual(explanation);
  });
});
