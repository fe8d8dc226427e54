-- A MariaDB database as oned 7.0.0 / 7.2.0 leaves it when its first start
-- aborts in the UserPool constructor (src/um/UserPool.cc: "Password file
-- ... already exists but OpenNebula is boostraping the database"): every
-- table, both version rows, the objects created by the pools constructed
-- before UserPool, and no user at all.
--
-- Replayed from OpenNebula's source at release-7.0.0 and release-7.2.0 (the
-- bootstrap is the same in both; only the version differs):
--   src/nebula/Nebula.cc     Nebula::start: LogDB::bootstrap, stage 1 (local
--                            tables, SystemDB::local_bootstrap, default quotas),
--                            stage 2 (shared tables, SystemDB::shared_bootstrap),
--                            then AclManager, PlanPool, ClusterPool, ...,
--                            GroupPool, UserPool (throws here)
--   src/sql/OneDB.cc         the CREATE TABLE statements below, verbatim
--   src/nebula/SystemDB.cc   pool_control, db_versioning, local_db_versioning,
--                            system_attributes
--   include/BitMap.h         cluster_vnc_bitmap, network_vlan_bitmap
--   src/sql/LogDB.cc, src/vm/VirtualMachine.cc   the extra indexes
--   src/acl/AclManager.cc, src/cluster/ClusterPool.cc, src/group/GroupPool.cc
--                            the default ACL rules, cluster 0, groups 0 and 1
--   src/sql/LogDB.cc         LogDB::setup_index: log record 0 (sqlcmd is the
--                            zlib+base64 of the time it ran, copied here)
--   src/schedm/PlanPool.cc, src/vnm/VirtualNetworkPool.cc   plan_pool rows
--                            -1 and 0, the VLAN ID bitmap
-- Checked against real aborted bootstraps of oned 7.0.0 and 7.2.0 built from
-- those tags (MariaDB 10.11, old oneflow_auth resp. oneform_auth on the
-- volume): 39 tables, SHOW CREATE TABLE identical for every table, and the
-- rows below are theirs, the same in both releases but for the version and
-- the times (the comment's "()" holds the git hash in packaged builds).
--
-- usage: { echo "SET @version = '7.2.0';"; cat half-bootstrap.sql; } | mariadb DB

-- LogDB::bootstrap
CREATE TABLE IF NOT EXISTS logdb (log_index BIGINT UNSIGNED PRIMARY KEY, term INTEGER, sqlcmd MEDIUMTEXT, timestamp INTEGER, fed_index BIGINT UNSIGNED, applied BOOLEAN);
CREATE INDEX fed_index_idx on logdb (fed_index);
CREATE INDEX applied_idx on logdb (applied);
INSERT INTO logdb (log_index, term, sqlcmd, timestamp, fed_index, applied) VALUES (0, 0, 'eJwzNLc0Nbe0sDA3BAALrAIf', UNIX_TIMESTAMP(), 18446744073709551615, 1);

-- Stage 1: local tables
CREATE TABLE IF NOT EXISTS vm_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, state INTEGER, lcm_state INTEGER, resched INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, short_body MEDIUMTEXT, body_json JSON);
CREATE INDEX state_oid_idx on vm_pool (state, oid);
CREATE TABLE IF NOT EXISTS vm_monitoring (vmid INTEGER, last_poll INTEGER, body MEDIUMTEXT, PRIMARY KEY(vmid, last_poll));
CREATE TABLE IF NOT EXISTS history (vid INTEGER, seq INTEGER, body MEDIUMTEXT, stime INTEGER, etime INTEGER,PRIMARY KEY(vid,seq));
CREATE TABLE IF NOT EXISTS vm_showback (vmid INTEGER, year INTEGER, month INTEGER, body MEDIUMTEXT, PRIMARY KEY(vmid, year, month));
CREATE TABLE IF NOT EXISTS host_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, state INTEGER, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, cid INTEGER);
CREATE TABLE IF NOT EXISTS host_monitoring (hid INTEGER, last_mon_time INTEGER, body MEDIUMTEXT, PRIMARY KEY(hid, last_mon_time));
CREATE TABLE IF NOT EXISTS network_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, pid INTEGER, UNIQUE(name,uid));
CREATE TABLE IF NOT EXISTS network_vlan_bitmap (id INTEGER, map LONGTEXT, PRIMARY KEY(id));
CREATE TABLE IF NOT EXISTS image_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, UNIQUE(name,uid) );
CREATE TABLE IF NOT EXISTS template_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER);
CREATE TABLE IF NOT EXISTS datastore_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER);
CREATE TABLE IF NOT EXISTS cluster_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, UNIQUE(name));
CREATE TABLE IF NOT EXISTS cluster_datastore_relation (cid INTEGER, oid INTEGER, PRIMARY KEY(cid, oid));
CREATE TABLE IF NOT EXISTS cluster_network_relation (cid INTEGER, oid INTEGER, PRIMARY KEY(cid, oid));
CREATE TABLE IF NOT EXISTS cluster_vnc_bitmap (id INTEGER, map LONGTEXT, PRIMARY KEY(id));
CREATE TABLE IF NOT EXISTS document_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, type INTEGER, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER);
CREATE TABLE IF NOT EXISTS user_quotas (user_oid INTEGER PRIMARY KEY, body MEDIUMTEXT);
CREATE TABLE IF NOT EXISTS group_quotas (group_oid INTEGER PRIMARY KEY, body MEDIUMTEXT);
CREATE TABLE IF NOT EXISTS secgroup_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, UNIQUE(name,uid));
CREATE TABLE IF NOT EXISTS vrouter_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER);
CREATE TABLE IF NOT EXISTS vmgroup_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, UNIQUE(name,uid));
CREATE TABLE IF NOT EXISTS vn_template_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER);
CREATE TABLE IF NOT EXISTS hook_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER,gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, type INTEGER);
CREATE TABLE IF NOT EXISTS hook_log (hkid INTEGER, exeid INTEGER, timestamp INTEGER, rc INTEGER, body MEDIUMTEXT,PRIMARY KEY(hkid, exeid));
CREATE TABLE IF NOT EXISTS backupjob_pool (   oid INTEGER PRIMARY KEY,   name VARCHAR(128),   body MEDIUMTEXT,   uid INTEGER,   gid INTEGER,   owner_u INTEGER,   group_u INTEGER,   other_u INTEGER,   priority INTEGER,   outdated_vms INTEGER);
CREATE TABLE IF NOT EXISTS schedaction_pool (   oid INTEGER PRIMARY KEY,   parent_id INTEGER,   type VARCHAR(128),   body MEDIUMTEXT,   time INTEGER,   done INTEGER);
CREATE TABLE IF NOT EXISTS plan_pool (   cid INTEGER PRIMARY KEY,   state INTEGER,   body MEDIUMTEXT);

-- SystemDB::local_bootstrap
CREATE TABLE pool_control (tablename VARCHAR(32) PRIMARY KEY, last_oid BIGINT UNSIGNED);
CREATE TABLE local_db_versioning (oid INTEGER PRIMARY KEY, version VARCHAR(256), timestamp INTEGER, comment VARCHAR(256), is_slave BOOLEAN);
INSERT INTO local_db_versioning (oid, version, timestamp, comment, is_slave) VALUES (0, @version, UNIX_TIMESTAMP(), CONCAT('OpenNebula ', @version, ' () daemon bootstrap'), 0);
CREATE TABLE IF NOT EXISTS system_attributes (name VARCHAR(128) PRIMARY KEY, body MEDIUMTEXT);
-- default_user_quota.insert(), default_group_quota.insert()
INSERT INTO system_attributes (name, body) VALUES ('DEFAULT_USER_QUOTAS', '<DEFAULT_USER_QUOTAS><DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA><VM_QUOTA></VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA></DEFAULT_USER_QUOTAS>');
INSERT INTO system_attributes (name, body) VALUES ('DEFAULT_GROUP_QUOTAS', '<DEFAULT_GROUP_QUOTAS><DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA><VM_QUOTA></VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA></DEFAULT_GROUP_QUOTAS>');

-- Stage 2: shared (federated) tables
CREATE TABLE IF NOT EXISTS group_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, UNIQUE(name));
CREATE TABLE IF NOT EXISTS user_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, UNIQUE(name));
CREATE TABLE IF NOT EXISTS acl (oid INT PRIMARY KEY, userset BIGINT, resource BIGINT, rights BIGINT, zone BIGINT, UNIQUE(userset, resource, rights, zone));
CREATE TABLE IF NOT EXISTS zone_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, UNIQUE(name));
CREATE TABLE IF NOT EXISTS vdc_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, UNIQUE(name));
CREATE TABLE IF NOT EXISTS marketplace_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER);
CREATE TABLE IF NOT EXISTS marketplaceapp_pool (oid INTEGER PRIMARY KEY, name VARCHAR(128), body MEDIUMTEXT, uid INTEGER, gid INTEGER, owner_u INTEGER, group_u INTEGER, other_u INTEGER, UNIQUE(name,uid));

-- SystemDB::shared_bootstrap
CREATE TABLE db_versioning (oid INTEGER PRIMARY KEY, version VARCHAR(256), timestamp INTEGER, comment VARCHAR(256));
INSERT INTO db_versioning (oid, version, timestamp, comment) VALUES (0, @version, UNIX_TIMESTAMP(), CONCAT('OpenNebula ', @version, ' () daemon bootstrap'));

-- AclManager::AclManager: the default rules (pool_control 'acl')
INSERT INTO acl (oid, userset, resource, rights, zone) VALUES (0, 8589934593, 81419471691972608, 8, 17179869184);
INSERT INTO acl (oid, userset, resource, rights, zone) VALUES (1, 17179869184, 140754668224512, 1, 17179869184);
INSERT INTO acl (oid, userset, resource, rights, zone) VALUES (2, 17179869184, 6755416620924928, 1, 17179869184);
REPLACE INTO pool_control (tablename, last_oid) VALUES ('acl', 2);

-- PlanPool::PlanPool
INSERT INTO plan_pool (cid, state, body) VALUES (-1, -1, '<PLAN><ID>-1</ID><STATE>-1</STATE></PLAN>');
INSERT INTO plan_pool (cid, state, body) VALUES (0, -1, '<PLAN><ID>0</ID><STATE>-1</STATE></PLAN>');

-- ClusterPool::ClusterPool: cluster 0 "default" with the default datastores
-- (created later by DatastorePool) and its VNC port bitmap
INSERT INTO cluster_pool (oid, name, body, uid, gid, owner_u, group_u, other_u) VALUES (0, 'default', '<CLUSTER><ID>0</ID><NAME>default</NAME><HOSTS></HOSTS><DATASTORES><ID>0</ID><ID>1</ID><ID>2</ID></DATASTORES><VNETS></VNETS><TEMPLATE><RESERVED_CPU><![CDATA[]]></RESERVED_CPU><RESERVED_MEM><![CDATA[]]></RESERVED_MEM></TEMPLATE></CLUSTER>', 0, 0, 1, 0, 0);
INSERT INTO cluster_datastore_relation (cid, oid) VALUES (0, 0);
INSERT INTO cluster_datastore_relation (cid, oid) VALUES (0, 1);
INSERT INTO cluster_datastore_relation (cid, oid) VALUES (0, 2);
INSERT INTO cluster_vnc_bitmap (id, map) VALUES (0, 'eJztwYEAAAAAgCCl/ekWqQoAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABqFo8C0Q==');
REPLACE INTO pool_control (tablename, last_oid) VALUES ('cluster_pool', 99);

-- VirtualNetworkPool::VirtualNetworkPool: the VLAN ID bitmap
INSERT INTO network_vlan_bitmap (id, map) VALUES (0, 'eJztwQENAAAAwqBK75/OHg4oAAAA4N0A+B4ALg==');

-- GroupPool::GroupPool: groups 0 "oneadmin" and 1 "users", then last_oid 99
INSERT INTO group_pool (oid, name, body, uid, gid, owner_u, group_u, other_u) VALUES (0, 'oneadmin', '<GROUP><ID>0</ID><NAME>oneadmin</NAME><TEMPLATE></TEMPLATE><USERS></USERS><ADMINS></ADMINS></GROUP>', 0, 0, 1, 1, 0);
INSERT INTO group_pool (oid, name, body, uid, gid, owner_u, group_u, other_u) VALUES (1, 'users', '<GROUP><ID>1</ID><NAME>users</NAME><TEMPLATE><SUNSTONE><DEFAULT_VIEW><![CDATA[cloud]]></DEFAULT_VIEW><GROUP_ADMIN_DEFAULT_VIEW><![CDATA[groupadmin]]></GROUP_ADMIN_DEFAULT_VIEW><GROUP_ADMIN_VIEWS><![CDATA[groupadmin,cloud]]></GROUP_ADMIN_VIEWS><VIEWS><![CDATA[cloud]]></VIEWS></SUNSTONE></TEMPLATE><USERS></USERS><ADMINS></ADMINS></GROUP>', 0, 1, 1, 1, 0);
INSERT INTO group_quotas (group_oid, body) VALUES (0, '<QUOTAS><ID>0</ID><DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA><VM_QUOTA></VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA></QUOTAS>');
INSERT INTO group_quotas (group_oid, body) VALUES (1, '<QUOTAS><ID>1</ID><DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA><VM_QUOTA></VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA></QUOTAS>');
REPLACE INTO pool_control (tablename, last_oid) VALUES ('group_pool', 99);

-- UserPool::UserPool threw before allocating user 0: user_pool is empty.
