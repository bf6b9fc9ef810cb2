#!/usr/bin/python3
"""Keystone resources for the lab: service users, a demo project/user, the catalog (idempotent)."""
import os
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

env = os.environ
ip = env['IP']
auth = v3.Password(auth_url=f'http://{ip}:5000/v3', username='admin', password=env['ADMIN_PW'],
                   project_name='admin', user_domain_name='Default', project_domain_name='Default')
ks = client.Client(session=session.Session(auth=auth), interface='public')
domain = ks.domains.get('default')


def find_or_create(manager, name, **create):
    found = manager.list(name=name, **({'domain': domain} if manager is not ks.roles else {}))
    return found[0] if found else manager.create(name, **create)


def ensure_user(name, password, project, roles):
    found = ks.users.list(name=name, domain=domain)
    user = (ks.users.update(found[0], password=password) if found
            else ks.users.create(name, domain=domain, password=password, default_project=project))
    for role in roles:
        ks.roles.grant(find_or_create(ks.roles, role), user=user, project=project)


service = find_or_create(ks.projects, 'service', domain=domain)
for name in ('glance', 'placement', 'nova', 'neutron'):
    ensure_user(name, env['SVC_PW'], service, ['admin', 'service'])
demo = find_or_create(ks.projects, 'demo', domain=domain)
ensure_user('demo', env['DEMO_PW'], demo, ['member', 'reader'])

endpoints = {
    'image': ('glance', f'http://{ip}:9292'),
    'placement': ('placement', f'http://{ip}:8778'),
    'compute': ('nova', f'http://{ip}:8774/v2.1'),
    'network': ('neutron', f'http://{ip}:9696'),
}
for service_type, (name, url) in endpoints.items():
    services = ks.services.list(type=service_type)
    svc = services[0] if services else ks.services.create(name, service_type, enabled=True)
    existing = {ep.interface: ep for ep in ks.endpoints.list(service=svc)}
    for interface in ('public', 'internal', 'admin'):
        if interface not in existing:
            ks.endpoints.create(svc, url, interface=interface, region='RegionOne')
        elif existing[interface].url != url:
            ks.endpoints.update(existing[interface], url=url)
