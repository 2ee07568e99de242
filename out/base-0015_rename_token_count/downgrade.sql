-- strata downgrade: 0015_rename_token_count -> base (15 revisions)
-- generated from migrations by strata; do not edit; rebuild with: strata downgrade 0015_rename_token_count:base
\set ON_ERROR_STOP on
BEGIN;
-- guard: refuse to run unless the database is at 0015_rename_token_count
DO $strata$
DECLARE
    found text;
BEGIN
    PERFORM pg_advisory_xact_lock(126943972389985);
    IF to_regclass('strata_version') IS NULL THEN
        found := '';
    ELSE
        SELECT coalesce(string_agg(revision, ', ' ORDER BY revision COLLATE "C"), '')
          INTO found FROM strata_version;
    END IF;
    IF found <> '0015_rename_token_count' THEN
        RAISE EXCEPTION 'strata: this database is at %, but this script expects 0015_rename_token_count',
            CASE WHEN found = '' THEN 'base' ELSE found END;
    END IF;
END
$strata$;

-- 0015_rename_token_count: Rename token_count to tokens and widen it to bigint   [source sha256: 6315e6a8d2804b45adc516a6cd056fde79405a1946b1c34444fcf1b517b46b3e]
ALTER TABLE messages ALTER COLUMN tokens TYPE integer USING tokens::integer;
ALTER TABLE messages RENAME COLUMN tokens TO token_count;
-- version bookkeeping for 0015_rename_token_count
UPDATE strata_version SET revision = '0014_seed_demo_user' WHERE revision = '0015_rename_token_count';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0015_rename_token_count', 'downgrade', '6315e6a8d2804b45adc516a6cd056fde79405a1946b1c34444fcf1b517b46b3e');

-- 0014_seed_demo_user: Seed the demo organization and its demo user   [source sha256: e3b22ec5c279acafb4bee24f89ca60a7c4b94dd73ba95d6d9efd3e5219559f09]
DELETE FROM organizations WHERE id = '00000000-0000-0000-0000-000000000001'
;
-- version bookkeeping for 0014_seed_demo_user
UPDATE strata_version SET revision = '0013_user_display_name' WHERE revision = '0014_seed_demo_user';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0014_seed_demo_user', 'downgrade', 'e3b22ec5c279acafb4bee24f89ca60a7c4b94dd73ba95d6d9efd3e5219559f09');

-- 0013_user_display_name: Users get a display name, backfilled from the username   [source sha256: ee4cc86a1c5108966c69a4b6e598a5b62e4e7ceddb44d8ab46284954dc9ed519]
ALTER TABLE users DROP COLUMN display_name;
-- version bookkeeping for 0013_user_display_name
UPDATE strata_version SET revision = '0012_messages_created_index' WHERE revision = '0013_user_display_name';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0013_user_display_name', 'downgrade', 'ee4cc86a1c5108966c69a4b6e598a5b62e4e7ceddb44d8ab46284954dc9ed519');

-- 0012_messages_created_index: Index messages by creation time without locking writers   [source sha256: 66d7e38f41c2bb45158e4d95b2e4e63e03062b1e3f5b3e3dede78bbac985f552]
COMMIT;
-- outside a transaction
DROP INDEX CONCURRENTLY messages_created_at_idx;
BEGIN;
-- guard: refuse to run unless the database is at 0012_messages_created_index
DO $strata$
DECLARE
    found text;
BEGIN
    PERFORM pg_advisory_xact_lock(126943972389985);
    IF to_regclass('strata_version') IS NULL THEN
        found := '';
    ELSE
        SELECT coalesce(string_agg(revision, ', ' ORDER BY revision COLLATE "C"), '')
          INTO found FROM strata_version;
    END IF;
    IF found <> '0012_messages_created_index' THEN
        RAISE EXCEPTION 'strata: this database is at %, but this script expects 0012_messages_created_index',
            CASE WHEN found = '' THEN 'base' ELSE found END;
    END IF;
END
$strata$;
-- version bookkeeping for 0012_messages_created_index
UPDATE strata_version SET revision = '0011_agent_status_paused' WHERE revision = '0012_messages_created_index';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0012_messages_created_index', 'downgrade', '66d7e38f41c2bb45158e4d95b2e4e63e03062b1e3f5b3e3dede78bbac985f552');

-- 0011_agent_status_paused: Agents can be paused and archived   [source sha256: 9e99b29039b09f3f9976839fc719aa310806c8b2a5ac556cb195fd3fd2080355]
UPDATE agents SET status = 'active' WHERE status = 'paused';
    UPDATE agents SET status = 'retired' WHERE status = 'archived';
    ALTER TYPE agent_status RENAME TO agent_status_before_0011;
    CREATE TYPE agent_status AS ENUM ('draft', 'active', 'retired');
    ALTER TABLE agents ALTER COLUMN status DROP DEFAULT;
    ALTER TABLE agents ALTER COLUMN status TYPE agent_status
      USING status::text::agent_status;
    ALTER TABLE agents ALTER COLUMN status SET DEFAULT 'draft';
    DROP TYPE agent_status_before_0011;
-- version bookkeeping for 0011_agent_status_paused
UPDATE strata_version SET revision = '0010_executions' WHERE revision = '0011_agent_status_paused';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0011_agent_status_paused', 'downgrade', '9e99b29039b09f3f9976839fc719aa310806c8b2a5ac556cb195fd3fd2080355');

-- 0010_executions: Agent executions, range-partitioned by month   [source sha256: 61189744ccb327426e1d1f61e72b174cb916113045340b45cb264a6a7f0473e0]
DROP INDEX executions_agent_id_started_at_idx;
DROP TABLE executions_2026_12;
DROP TABLE executions_2026_11;
DROP TABLE executions_2026_10;
DROP TABLE executions;
-- version bookkeeping for 0010_executions
UPDATE strata_version SET revision = '0009_merge_templates' WHERE revision = '0010_executions';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0010_executions', 'downgrade', '61189744ccb327426e1d1f61e72b174cb916113045340b45cb264a6a7f0473e0');

-- 0009_merge_templates: Merge the templates branch back into the main line   [source sha256: 8eaae4471c8c60310552967400ab34d5c012d0fb4316ea3db0f02242dc376638]
-- version bookkeeping for 0009_merge_templates
UPDATE strata_version SET revision = '0008_audit_logs' WHERE revision = '0009_merge_templates';
INSERT INTO strata_version (revision) VALUES ('0007_session_templates');
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0009_merge_templates', 'downgrade', '8eaae4471c8c60310552967400ab34d5c012d0fb4316ea3db0f02242dc376638');

-- 0008_audit_logs: Audit log of who did what, from where   [source sha256: a3fff1bb957aef100b69966a74ed350484c52e3c2a5df0915275dd5b3c340c87]
DROP INDEX audit_logs_org_idx;
DROP INDEX audit_logs_occurred_idx;
DROP TABLE audit_logs;
-- version bookkeeping for 0008_audit_logs
UPDATE strata_version SET revision = '0006_tool_calls' WHERE revision = '0008_audit_logs';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0008_audit_logs', 'downgrade', 'a3fff1bb957aef100b69966a74ed350484c52e3c2a5df0915275dd5b3c340c87');

-- 0007_session_templates: Reusable session templates with tags   [source sha256: 51b3b88296ceee020ca3de43cc42d946523501a89d9adf2e54e8d2b377762e5d]
DROP INDEX session_templates_tags_idx;
DROP TABLE session_templates;
-- version bookkeeping for 0007_session_templates
DELETE FROM strata_version WHERE revision = '0007_session_templates';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0007_session_templates', 'downgrade', '51b3b88296ceee020ca3de43cc42d946523501a89d9adf2e54e8d2b377762e5d');

-- 0006_tool_calls: Tool calls made by agents while answering a message   [source sha256: 84245cd306652c9ac5e80e81b099a14bbb583ac4e240d7308438ab840da35764]
DROP INDEX tool_calls_message_idx;
DROP TABLE tool_calls;
-- version bookkeeping for 0006_tool_calls
UPDATE strata_version SET revision = '0005_agents' WHERE revision = '0006_tool_calls';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0006_tool_calls', 'downgrade', '84245cd306652c9ac5e80e81b099a14bbb583ac4e240d7308438ab840da35764');

-- 0005_agents: Agents, with a lifecycle status   [source sha256: 41563587dd448e27d709b0d83665aad9a28ac4b392a60797afd5b48bc5a2c494]
ALTER TABLE sessions DROP COLUMN agent_id;
DROP TABLE agents;
DROP TYPE agent_status;
-- version bookkeeping for 0005_agents
UPDATE strata_version SET revision = '0004_messages' WHERE revision = '0005_agents';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0005_agents', 'downgrade', '41563587dd448e27d709b0d83665aad9a28ac4b392a60797afd5b48bc5a2c494');

-- 0004_messages: Messages of a session, in order, with JSONB content   [source sha256: 0e55b6f308cc8dea7c4bf8b20262bda25134194f4335faf2dc23bf6124fffa95]
DROP INDEX messages_content_idx;
DROP TABLE messages;
-- version bookkeeping for 0004_messages
UPDATE strata_version SET revision = '0003_sessions' WHERE revision = '0004_messages';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0004_messages', 'downgrade', '0e55b6f308cc8dea7c4bf8b20262bda25134194f4335faf2dc23bf6124fffa95');

-- 0003_sessions: Conversation sessions; a session may fork from a parent session   [source sha256: 2eea77bf5b4655e315525ec5ff054eda5aba61e9d2e2b65220424b116cc9bc80]
DROP INDEX sessions_parent_session_id_idx;
DROP INDEX sessions_user_started_idx;
DROP TABLE sessions;
-- version bookkeeping for 0003_sessions
UPDATE strata_version SET revision = '0002_users' WHERE revision = '0003_sessions';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0003_sessions', 'downgrade', '2eea77bf5b4655e315525ec5ff054eda5aba61e9d2e2b65220424b116cc9bc80');

-- 0002_users: Users with roles and quotas   [source sha256: febb2a96ffd268fc1542bf6c174f4f1b9a1dab68a2fa75bf0938dc948e50970b]
DROP INDEX users_organization_id_idx;
DROP TABLE users;
-- version bookkeeping for 0002_users
UPDATE strata_version SET revision = '0001_organizations' WHERE revision = '0002_users';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0002_users', 'downgrade', 'febb2a96ffd268fc1542bf6c174f4f1b9a1dab68a2fa75bf0938dc948e50970b');

-- 0001_organizations: Organizations, the tenants of the platform   [source sha256: 625683bb014de5002d5840a63248c006a261f6c33dba3673c7f2fc4de00deabf]
DROP TABLE organizations;
DROP EXTENSION IF EXISTS citext;
-- version bookkeeping for 0001_organizations
DELETE FROM strata_version WHERE revision = '0001_organizations';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0001_organizations', 'downgrade', '625683bb014de5002d5840a63248c006a261f6c33dba3673c7f2fc4de00deabf');

COMMIT;
