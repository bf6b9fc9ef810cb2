#!/bin/bash
# Ready-script for the rdo-ocata label: nodepool runs it on the new node as the image user,
# from the node's copy of this directory, with the NODEPOOL_* variables and the hostname as $1.
# The node becomes ready only if this exits 0.
set -euxo pipefail
HOSTNAME_ARG=${1:?usage: run_packstack.sh HOSTNAME}
NODE_IP=$(cat /etc/nodepool/node)

# rdo-requirements (the image element) pre-installed the RDO release repo and openstack-packstack.
sudo hostnamectl set-hostname "$HOSTNAME_ARG" || true
sudo packstack --allinone \
  --default-password=nodepool \
  --os-neutron-ml2-type-drivers=vxlan,flat \
  --provision-demo=n \
  --os-heat-install=n \
  --novanetwork-pubif=eth0 \
  --install-hosts="$NODE_IP"

# Smoke check: the dev cloud answers.
sudo bash -c 'source /root/keystonerc_admin && openstack token issue -f value -c id >/dev/null'
echo "packstack ready on $HOSTNAME_ARG ($NODE_IP), provider $NODEPOOL_PROVIDER"
