#!/usr/bin/python3
"""Flavors, networks, router and a base image in the lab (idempotent, openstacksdk)."""
import os
import openstack

conn = openstack.connect(cloud='lab-admin')
flavors = [('1', 'm1.tiny', 1, 512, 1), ('2', 'm1.small', 1, 2048, 20), ('3', 'm1.medium', 2, 4096, 40),
           # Never fits the fake hypervisor: boots end in ERROR "No valid host" (failure paths).
           ('99', 'lab.nohost', 1, 3000000, 1)]
for flavor_id, name, vcpus, ram, disk in flavors:
    if not conn.compute.find_flavor(name):
        conn.compute.create_flavor(id=flavor_id, name=name, vcpus=vcpus, ram=ram, disk=disk, is_public=True)

net = conn.network
public = net.find_network('public') or net.create_network(
    name='public', is_router_external=True, provider_network_type='flat', provider_physical_network='public')
public_subnet = net.find_subnet('public-subnet') or net.create_subnet(
    name='public-subnet', network_id=public.id, ip_version=4, cidr='203.0.113.0/24',
    gateway_ip='203.0.113.1', is_dhcp_enabled=False)
private = net.find_network('private') or net.create_network(name='private', is_shared=True)
private_subnet = net.find_subnet('private-subnet') or net.create_subnet(
    name='private-subnet', network_id=private.id, ip_version=4, cidr='192.0.2.0/24')
# Servers on this network get 127.42.0.x addresses, which are local on Linux: the only ones
# a test may probe. Neutron takes a loopback subnet only with DHCP off.
loopback = net.find_network('lab-loopback') or net.create_network(name='lab-loopback', is_shared=True)
loopback_subnet = net.find_subnet('lab-loopback-subnet') or net.create_subnet(
    name='lab-loopback-subnet', network_id=loopback.id, ip_version=4, cidr='127.42.0.0/24',
    gateway_ip='127.42.0.1', is_dhcp_enabled=False)
router = net.find_router('lab-router') or net.create_router(
    name='lab-router', external_gateway_info={'network_id': public.id})
attached = {ip['subnet_id'] for port in net.ports(device_id=router.id) for ip in port.fixed_ips}
for subnet in (private_subnet, loopback_subnet):
    if subnet.id not in attached:
        net.add_interface_to_router(router, subnet_id=subnet.id)

if not conn.image.find_image('lab-image'):
    conn.create_image('lab-image', filename=os.environ['IMAGE_FILE'], disk_format='qcow2',
                      container_format='bare', visibility='public', wait=True)
