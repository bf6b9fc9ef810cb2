#!/bin/bash
# Brings up a real OpenStack (Debian bookworm's Zed packages) on 127.0.0.1 for the
# contract and launcher integration stages: MariaDB, RabbitMQ, Keystone, Glance, Placement,
# Nova with the fake virt driver, Neutron with an agentless ML2 driver (no dataplane).
# Idempotent: installs what is missing, starts what is not running, creates missing resources.
# Prints the path of the clouds.yaml it wrote (clouds `lab-admin`, `lab-demo`).
# Servers that must be reachable go on network `lab-loopback` (127.42.0.0/24): never probe the
# `private` (192.0.2.x) or floating (203.0.113.x) addresses, they are not loopback.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
for v in $(env | sed -n 's/^\(OS_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

HERE=$(cd "$(dirname "$0")" && pwd)
IP=127.0.0.1
STATE=${LAB_STATE:-/var/lib/nodepool-lab}
PIDS=${LAB_PIDS:-/run/nodepool-lab}
LOGS=${LAB_LOGS:-/var/log/nodepool-lab}
CLOUDS_YAML=${LAB_CLOUDS_YAML:-$STATE/clouds.yaml}
ADMIN_PW=lab-admin-pw DEMO_PW=lab-demo-pw SVC_PW=lab-service-pw DB_PW=lab-db-pw
KS=http://$IP:5000/v3
RABBIT=rabbit://guest:guest@$IP:5672/
db() { echo "mysql+pymysql://openstack:$DB_PW@$IP:3306/$1?charset=utf8"; }
START=$(date +%s)
say() { echo "[lab +$(( $(date +%s) - START ))s] $*" >&2; }
fail() { say "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "must run as root"
mkdir -p "$STATE" "$PIDS" "$LOGS"

# ---- packages (nova-compute's Debian package pulls a hypervisor: the fake driver is run from python3-nova)
PKGS="mariadb-server python3-pymysql rabbitmq-server keystone glance-api placement-api nova-api
nova-conductor nova-scheduler neutron-server python3-openstackclient qemu-utils curl"
need=""
for p in $PKGS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"; done
if [ -n "$need" ]; then
  say "apt install:$need"
  added_policy=0
  # Package scripts must not start daemons: no init system here, we start them ourselves.
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; added_policy=1; fi
  apt-get -o DPkg::Lock::Timeout=600 update -qq >"$LOGS/apt.log" 2>&1
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $need >>"$LOGS/apt.log" 2>&1 \
    || { tail -30 "$LOGS/apt.log"; fail "apt-get install failed"; }
  [ $added_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  say "packages installed"
fi

# ---- process helpers: a daemon is remembered as pid + start time, zombies count as dead
starttime() { awk '{sub(/^.*\) /,""); print $20}' "/proc/$1/stat" 2>/dev/null; }
pstate() { awk '{sub(/^.*\) /,""); print $1}' "/proc/$1/stat" 2>/dev/null; }
is_running() {
  local f=$PIDS/$1.pid pid st
  [ -s "$f" ] || return 1
  read -r pid st <"$f"
  [ "$(starttime "$pid")" = "$st" ] && [ "$(pstate "$pid")" != Z ]
}
launch() { # launch NAME USER CMD...
  local name=$1 user=$2; shift 2
  is_running "$name" && return 0
  local home; home=$(getent passwd "$user" | cut -d: -f6); [ -d "$home" ] || home=/
  setsid runuser -u "$user" -- env HOME="$home" "$@" >>"$LOGS/$name.out" 2>&1 </dev/null &
  local pid=$!
  sleep 0.2
  echo "$pid $(starttime "$pid")" >"$PIDS/$name.pid"
  say "started $name ($pid)"
}
until_ok() { # until_ok WHAT SECONDS CMD...
  local what=$1 end=$(( $(date +%s) + $2 )); shift 2
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$end" ] || fail "timeout waiting for $what"; sleep 0.5; done
}
answers() { curl -s -o /dev/null --max-time 2 "$1"; }
write() { install -D -m "${3:-640}" -o root -g "${2:-root}" /dev/stdin "$1"; }
keystone_section() { printf '[keystone_authtoken]\nwww_authenticate_uri = http://%s:5000\nauth_url = http://%s:5000\nauth_type = password\nproject_domain_name = Default\nuser_domain_name = Default\nproject_name = service\nusername = %s\npassword = %s\nregion_name = RegionOne\nservice_token_roles_required = true\n' "$IP" "$IP" "$1" "$SVC_PW"; }
service_auth() { printf '[%s]\nauth_url = %s\nauth_type = password\nproject_domain_name = Default\nuser_domain_name = Default\nproject_name = service\nusername = %s\npassword = %s\nregion_name = RegionOne\n' "$1" "$KS" "$2" "$SVC_PW"; }
# uwsgi's http-socket drops keep-alive connections silently: force Connection: close.
uwsgi() { launch "$1" root /usr/bin/uwsgi_python3 --master --die-on-term --no-orphans --lazy-apps --enable-threads \
  --http-socket "$IP:$3" --processes 1 --threads 8 --buffer-size 65535 --add-header "Connection: close" \
  --wsgi-file "$4" --uid "$2" --gid "$2" --chdir "/var/lib/$2"; }

# ---- MariaDB
write /etc/mysql/mariadb.conf.d/99-nodepool-lab.cnf root 644 <<EOF
[mysqld]
bind-address = $IP
skip-name-resolve
max_connections = 1000
innodb_buffer_pool_size = 128M
performance_schema = OFF
character-set-server = utf8
collation-server = utf8_general_ci
EOF
install -d -o mysql -g mysql /run/mysqld
launch mariadb mysql /usr/sbin/mariadbd
until_ok mariadb 60 mysqladmin --protocol=socket ping
for d in keystone glance placement nova_api nova nova_cell0 neutron; do
  mysql --protocol=socket -e "CREATE DATABASE IF NOT EXISTS $d;
    CREATE USER IF NOT EXISTS 'openstack'@'127.0.0.1' IDENTIFIED BY '$DB_PW';
    GRANT ALL PRIVILEGES ON $d.* TO 'openstack'@'127.0.0.1';"
done

# ---- RabbitMQ (guest works from loopback only, which is all there is)
write /etc/rabbitmq/rabbitmq-env.conf root 644 <<EOF
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=$IP
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
write /etc/rabbitmq/rabbitmq.conf root 644 <<EOF
listeners.tcp.default = $IP:5672
log.file.level = warning
EOF
export ERL_EPMD_ADDRESS=$IP
launch epmd rabbitmq /usr/bin/epmd -address $IP
launch rabbitmq rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
until_ok rabbitmq 90 rabbitmqctl -q await_startup

# ---- Keystone (cheap bcrypt + in-process cache: token issue drops from ~400 ms to ~20 ms)
write /etc/keystone/keystone.conf keystone <<EOF
[DEFAULT]
log_file = /var/log/keystone/keystone.log
[database]
connection = $(db keystone)
[token]
provider = fernet
[identity]
password_hash_rounds = 4
[cache]
enabled = true
backend = dogpile.cache.memory
EOF
runuser -u keystone -- keystone-manage db_sync 2>>"$LOGS/manage.err"
[ -e /etc/keystone/fernet-keys/0 ] || keystone-manage fernet_setup --keystone-user keystone --keystone-group keystone 2>>"$LOGS/manage.err"
[ -e /etc/keystone/credential-keys/0 ] || keystone-manage credential_setup --keystone-user keystone --keystone-group keystone 2>>"$LOGS/manage.err"
runuser -u keystone -- keystone-manage bootstrap --bootstrap-password "$ADMIN_PW" --bootstrap-username admin \
  --bootstrap-project-name admin --bootstrap-role-name admin --bootstrap-service-name keystone \
  --bootstrap-region-id RegionOne --bootstrap-admin-url "$KS/" --bootstrap-public-url "$KS/" \
  --bootstrap-internal-url "$KS/" >/dev/null 2>>"$LOGS/manage.err"
uwsgi keystone keystone 5000 /usr/bin/keystone-wsgi-public
until_ok keystone 60 answers "$KS/"
SVC_PW=$SVC_PW DEMO_PW=$DEMO_PW ADMIN_PW=$ADMIN_PW IP=$IP /usr/bin/python3 "$HERE/identity.py"
say "keystone ready"

# ---- Glance (one process, file store)
install -d -o glance -g glance /var/lib/glance/images /var/lib/glance/staging /var/lib/glance/lock
write /etc/glance/glance-api.conf glance <<EOF
[DEFAULT]
bind_host = $IP
bind_port = 9292
workers = 0
log_file = /var/log/glance/glance-api.log
node_staging_uri = file:///var/lib/glance/staging
[database]
connection = $(db glance)
$(keystone_section glance)
[paste_deploy]
flavor = keystone
[glance_store]
stores = file,http
default_store = file
filesystem_store_datadir = /var/lib/glance/images/
[oslo_concurrency]
lock_path = /var/lib/glance/lock
EOF
runuser -u glance -- glance-manage db_sync >>"$LOGS/manage.err" 2>&1
launch glance-api glance /usr/bin/glance-api --config-file /etc/glance/glance-api.conf

# ---- Placement
write /etc/placement/placement.conf placement <<EOF
[DEFAULT]
log_file = /var/log/placement/placement-api.log
[api]
auth_strategy = keystone
$(keystone_section placement)
[placement_database]
connection = $(db placement)
EOF
runuser -u placement -- placement-manage db sync 2>>"$LOGS/manage.err"
uwsgi placement placement 8778 /usr/bin/placement-api

# ---- Nova (nova-compute gets a config without database access, as it must)
install -d -o nova -g nova /var/lib/nova/instances /var/lib/nova/tmp
nova_conf() { cat <<EOF
[DEFAULT]
host = lab-compute
my_ip = $IP
transport_url = $RABBIT
compute_driver = fake.FakeDriver
enabled_apis = osapi_compute
osapi_compute_listen = $IP
osapi_compute_workers = 1
graceful_shutdown_timeout = 5
log_dir = /var/log/nova
state_path = /var/lib/nova
[api]
auth_strategy = keystone
$(keystone_section nova)
$(service_auth service_user nova)
send_service_user_token = true
$(service_auth placement placement)
$(service_auth neutron neutron)
[glance]
region_name = RegionOne
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 30
[oslo_concurrency]
lock_path = /var/lib/nova/tmp
[oslo_messaging_notifications]
driver = noop
[vnc]
enabled = false
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[quota]
instances = 200
cores = 2000
ram = 4096000
EOF
}
{ nova_conf; printf '[api_database]\nconnection = %s\n[database]\nconnection = %s\n' "$(db nova_api)" "$(db nova)"; } | write /etc/nova/nova.conf nova
nova_conf | write /etc/nova/nova-cpu.conf nova
nm() { runuser -u nova -- nova-manage "$@" 2>>"$LOGS/manage.err"; }
nm api_db sync
cells=$(nm cell_v2 list_cells)
grep -q ' cell0 ' <<<"$cells" || nm cell_v2 map_cell0 --database_connection "$(db nova_cell0)"
grep -q ' cell1 ' <<<"$cells" || nm cell_v2 create_cell --name=cell1 >/dev/null
nm db sync
launch nova-api nova /usr/bin/nova-api --config-file /etc/nova/nova.conf
launch nova-conductor nova /usr/bin/nova-conductor --config-file /etc/nova/nova.conf
launch nova-scheduler nova /usr/bin/nova-scheduler --config-file /etc/nova/nova.conf

# ---- Neutron with the agentless binding driver (ports bind and go ACTIVE; no dataplane)
SITE=/usr/local/lib/python3.11/dist-packages
install -D -m 644 "$HERE/lab_binding_driver.py" "$SITE/nodepool_lab_binding.py"
mkdir -p "$SITE/nodepool_lab_binding-1.0.dist-info"
printf 'Metadata-Version: 2.1\nName: nodepool-lab-binding\nVersion: 1.0\n' >"$SITE/nodepool_lab_binding-1.0.dist-info/METADATA"
printf '[neutron.ml2.mechanism_drivers]\nlab_binding = nodepool_lab_binding:LoopbackBindingDriver\n' >"$SITE/nodepool_lab_binding-1.0.dist-info/entry_points.txt"
install -d -o neutron -g neutron /var/lib/neutron/lock
write /etc/neutron/neutron.conf neutron <<EOF
[DEFAULT]
bind_host = $IP
bind_port = 9696
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = $RABBIT
dhcp_agent_notification = false
notify_nova_on_port_status_changes = true
notify_nova_on_port_data_changes = true
api_workers = 0
rpc_workers = 1
rpc_state_report_workers = 0
log_dir = /var/log/neutron
state_path = /var/lib/neutron
[database]
connection = $(db neutron)
$(keystone_section neutron)
$(service_auth nova nova)
[oslo_concurrency]
lock_path = /var/lib/neutron/lock
EOF
write /etc/neutron/plugins/ml2/ml2_conf.ini neutron <<EOF
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = lab_binding
extension_drivers = port_security
[ml2_type_flat]
flat_networks = public
[ml2_type_vxlan]
vni_ranges = 1:10000
EOF
runuser -u neutron -- neutron-db-manage --config-file /etc/neutron/neutron.conf \
  --config-file /etc/neutron/plugins/ml2/ml2_conf.ini upgrade head >"$LOGS/neutron-db.log" 2>&1 \
  || { tail -20 "$LOGS/neutron-db.log"; fail "neutron-db-manage failed"; }
launch neutron-server neutron /usr/bin/neutron-server --config-file /etc/neutron/neutron.conf \
  --config-file /etc/neutron/plugins/ml2/ml2_conf.ini

# nova-compute from python3-nova (the Debian package needs a hypervisor)
install -D -m 755 /dev/stdin "$STATE/nova-compute" <<'EOF'
#!/usr/bin/python3
import sys
from nova.cmd.compute import main
sys.exit(main())
EOF
compute_was_running=0; is_running nova-compute && compute_was_running=1
launch nova-compute nova "$STATE/nova-compute" --config-file /etc/nova/nova-cpu.conf

until_ok glance 60 answers http://$IP:9292/
until_ok placement 60 answers http://$IP:8778/
until_ok nova-api 90 answers http://$IP:8774/
until_ok neutron 90 answers http://$IP:9696/
say "APIs answer"

# ---- clouds.yaml, then compute registration and the test resources
write "$CLOUDS_YAML" root 644 <<EOF
clouds:
  lab-admin:
    auth: {auth_url: '$KS', username: admin, password: '$ADMIN_PW', project_name: admin, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
  lab-demo:
    auth: {auth_url: '$KS', username: demo, password: '$DEMO_PW', project_name: demo, user_domain_name: Default, project_domain_name: Default}
    region_name: RegionOne
    interface: public
    identity_api_version: 3
EOF
export OS_CLIENT_CONFIG_FILE=$CLOUDS_YAML
# A restarted nova-compute looks "up" through its predecessor's heartbeat: require a newer one.
since=$(date -u -d "@$(stat -c %Y "$PIDS/nova-compute.pid")" +%Y-%m-%dT%H:%M:%S)
compute_up() {
  local v; v=$(openstack --os-cloud lab-admin compute service list --service nova-compute -f value -c State -c 'Updated At' 2>/dev/null) || return 1
  [ "${v%% *}" = up ] && [[ "${v#* }" > "$since" ]]
}
until_ok "nova-compute heartbeat" 150 compute_up
nm cell_v2 discover_hosts >/dev/null
[ -e "$STATE/empty.qcow2" ] || qemu-img create -f qcow2 "$STATE/empty.qcow2" 64M >/dev/null
IMAGE_FILE=$STATE/empty.qcow2 /usr/bin/python3 "$HERE/resources.py"
say "ready (compute restarted: $((1 - compute_was_running)))"
echo "$CLOUDS_YAML"
