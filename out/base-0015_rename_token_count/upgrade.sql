-- strata upgrade: base -> 0015_rename_token_count (15 revisions)
-- generated from migrations by strata; do not edit; rebuild with: strata upgrade base:0015_rename_token_count
\set ON_ERROR_STOP on
BEGIN;
-- guard: refuse to run unless the database is at base
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
    IF found <> '' THEN
        RAISE EXCEPTION 'strata: this database is at %, but this script expects base',
            CASE WHEN found = '' THEN 'base' ELSE found END;
    END IF;
END
$strata$;
CREATE TABLE IF NOT EXISTS strata_version (revision text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS strata_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    revision text NOT NULL,
    direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),
    source_sha256 text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL DEFAULT current_user
);

-- 0001_organizations: Organizations, the tenants of the platform   [source sha256: 625683bb014de5002d5840a63248c006a261f6c33dba3673c7f2fc4de00deabf]
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE organizations (
    id uuid CONSTRAINT organizations_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
    slug citext NOT NULL CONSTRAINT organizations_slug_key UNIQUE,
    name text NOT NULL,
    plan text NOT NULL DEFAULT 'free' CONSTRAINT organizations_plan_check CHECK (plan in ('free', 'team', 'enterprise')),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- version bookkeeping for 0001_organizations
INSERT INTO strata_version (revision) VALUES ('0001_organizations');
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0001_organizations', 'upgrade', '625683bb014de5002d5840a63248c006a261f6c33dba3673c7f2fc4de00deabf');

-- 0002_users: Users with roles and quotas   [source sha256: febb2a96ffd268fc1542bf6c174f4f1b9a1dab68a2fa75bf0938dc948e50970b]
CREATE TABLE users (
    id uuid CONSTRAINT users_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL CONSTRAINT users_organization_id_fkey REFERENCES organizations (id) ON DELETE CASCADE,
    email citext NOT NULL,
    username varchar(64) NOT NULL,
    role text NOT NULL DEFAULT 'member' CONSTRAINT users_role_check CHECK (role in ('owner', 'admin', 'member', 'viewer')),
    monthly_token_quota bigint NOT NULL DEFAULT 1000000 CONSTRAINT users_monthly_token_quota_check CHECK (monthly_token_quota >= 0),
    max_concurrent_sessions integer NOT NULL DEFAULT 5,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_username_key UNIQUE (username),
    CONSTRAINT users_sessions_quota_check CHECK (max_concurrent_sessions between 1 and 100)
);
CREATE INDEX users_organization_id_idx ON users (organization_id);
-- version bookkeeping for 0002_users
UPDATE strata_version SET revision = '0002_users' WHERE revision = '0001_organizations';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0002_users', 'upgrade', 'febb2a96ffd268fc1542bf6c174f4f1b9a1dab68a2fa75bf0938dc948e50970b');

-- 0003_sessions: Conversation sessions; a session may fork from a parent session   [source sha256: 2eea77bf5b4655e315525ec5ff054eda5aba61e9d2e2b65220424b116cc9bc80]
CREATE TABLE sessions (
    id uuid CONSTRAINT sessions_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL CONSTRAINT sessions_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    parent_session_id uuid CONSTRAINT sessions_parent_session_id_fkey REFERENCES sessions (id) ON DELETE SET NULL,
    title text,
    status text NOT NULL DEFAULT 'open',
    started_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    CONSTRAINT sessions_check CHECK (ended_at is null or ended_at >= started_at)
);
CREATE INDEX sessions_user_started_idx ON sessions (user_id, started_at DESC);
CREATE INDEX sessions_parent_session_id_idx ON sessions (parent_session_id) WHERE (parent_session_id is not null);
-- version bookkeeping for 0003_sessions
UPDATE strata_version SET revision = '0003_sessions' WHERE revision = '0002_users';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0003_sessions', 'upgrade', '2eea77bf5b4655e315525ec5ff054eda5aba61e9d2e2b65220424b116cc9bc80');

-- 0004_messages: Messages of a session, in order, with JSONB content   [source sha256: 0e55b6f308cc8dea7c4bf8b20262bda25134194f4335faf2dc23bf6124fffa95]
CREATE TABLE messages (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT messages_pkey PRIMARY KEY,
    session_id uuid NOT NULL CONSTRAINT messages_session_id_fkey REFERENCES sessions (id) ON DELETE CASCADE,
    sequence_number integer NOT NULL,
    role text NOT NULL CONSTRAINT messages_role_check CHECK (role in ('system', 'user', 'assistant', 'tool')),
    content jsonb NOT NULL DEFAULT '{}'::jsonb,
    token_count integer,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    CONSTRAINT messages_session_id_sequence_number_key UNIQUE (session_id, sequence_number)
);
CREATE INDEX messages_content_idx ON messages USING gin (content);
-- version bookkeeping for 0004_messages
UPDATE strata_version SET revision = '0004_messages' WHERE revision = '0003_sessions';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0004_messages', 'upgrade', '0e55b6f308cc8dea7c4bf8b20262bda25134194f4335faf2dc23bf6124fffa95');

-- 0005_agents: Agents, with a lifecycle status   [source sha256: 41563587dd448e27d709b0d83665aad9a28ac4b392a60797afd5b48bc5a2c494]
CREATE TYPE agent_status AS ENUM ('draft', 'active', 'retired');
CREATE TABLE agents (
    id uuid CONSTRAINT agents_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL CONSTRAINT agents_organization_id_fkey REFERENCES organizations (id) ON DELETE CASCADE,
    name text NOT NULL,
    model text NOT NULL,
    temperature numeric(3,2) NOT NULL DEFAULT 0.7,
    status agent_status NOT NULL DEFAULT 'draft',
    config jsonb,
    CONSTRAINT agents_org_name_key UNIQUE (organization_id, name)
);
ALTER TABLE sessions ADD COLUMN agent_id uuid CONSTRAINT sessions_agent_id_fkey REFERENCES agents (id) ON DELETE SET NULL;
-- version bookkeeping for 0005_agents
UPDATE strata_version SET revision = '0005_agents' WHERE revision = '0004_messages';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0005_agents', 'upgrade', '41563587dd448e27d709b0d83665aad9a28ac4b392a60797afd5b48bc5a2c494');

-- 0006_tool_calls: Tool calls made by agents while answering a message   [source sha256: 84245cd306652c9ac5e80e81b099a14bbb583ac4e240d7308438ab840da35764]
CREATE TABLE tool_calls (
    id bigint GENERATED BY DEFAULT AS IDENTITY,
    message_id bigint NOT NULL,
    agent_id uuid,
    tool_name text NOT NULL,
    arguments jsonb NOT NULL DEFAULT '{}'::jsonb,
    result jsonb,
    duration_ms integer CONSTRAINT tool_calls_duration_ms_check CHECK (duration_ms >= 0),
    called_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tool_calls_pkey PRIMARY KEY (id),
    CONSTRAINT tool_calls_message_fkey FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT tool_calls_agent_id_fkey FOREIGN KEY (agent_id) REFERENCES agents ON DELETE SET NULL
);
CREATE INDEX tool_calls_message_idx ON tool_calls (message_id) INCLUDE (tool_name);
-- version bookkeeping for 0006_tool_calls
UPDATE strata_version SET revision = '0006_tool_calls' WHERE revision = '0005_agents';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0006_tool_calls', 'upgrade', '84245cd306652c9ac5e80e81b099a14bbb583ac4e240d7308438ab840da35764');

-- 0007_session_templates: Reusable session templates with tags   [source sha256: 51b3b88296ceee020ca3de43cc42d946523501a89d9adf2e54e8d2b377762e5d]
CREATE TABLE session_templates (
    id uuid CONSTRAINT session_templates_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL CONSTRAINT session_templates_organization_id_fkey REFERENCES organizations (id) ON DELETE CASCADE,
    name text NOT NULL,
    system_prompt text NOT NULL DEFAULT '',
    tags text[] NOT NULL DEFAULT '{}',
    is_public boolean NOT NULL DEFAULT FALSE
);
CREATE INDEX session_templates_tags_idx ON session_templates USING gin (tags);
-- version bookkeeping for 0007_session_templates
INSERT INTO strata_version (revision) VALUES ('0007_session_templates');
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0007_session_templates', 'upgrade', '51b3b88296ceee020ca3de43cc42d946523501a89d9adf2e54e8d2b377762e5d');

-- 0008_audit_logs: Audit log of who did what, from where   [source sha256: a3fff1bb957aef100b69966a74ed350484c52e3c2a5df0915275dd5b3c340c87]
CREATE TABLE audit_logs (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT audit_logs_pkey PRIMARY KEY,
    organization_id uuid NOT NULL CONSTRAINT audit_logs_organization_id_fkey REFERENCES organizations (id) ON DELETE CASCADE,
    actor_id uuid CONSTRAINT audit_logs_actor_id_fkey REFERENCES users (id) ON DELETE SET NULL,
    template_id uuid CONSTRAINT audit_logs_template_id_fkey REFERENCES session_templates (id) ON DELETE SET NULL,
    action text NOT NULL,
    client_ip inet,
    details jsonb,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_logs_occurred_idx ON audit_logs (occurred_at DESC NULLS LAST);
CREATE INDEX audit_logs_org_idx ON audit_logs (organization_id, occurred_at DESC);
-- version bookkeeping for 0008_audit_logs
UPDATE strata_version SET revision = '0008_audit_logs' WHERE revision = '0006_tool_calls';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0008_audit_logs', 'upgrade', 'a3fff1bb957aef100b69966a74ed350484c52e3c2a5df0915275dd5b3c340c87');

-- 0009_merge_templates: Merge the templates branch back into the main line   [source sha256: 8eaae4471c8c60310552967400ab34d5c012d0fb4316ea3db0f02242dc376638]
-- version bookkeeping for 0009_merge_templates
UPDATE strata_version SET revision = '0009_merge_templates' WHERE revision = '0008_audit_logs';
DELETE FROM strata_version WHERE revision = '0007_session_templates';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0009_merge_templates', 'upgrade', '8eaae4471c8c60310552967400ab34d5c012d0fb4316ea3db0f02242dc376638');

-- 0010_executions: Agent executions, range-partitioned by month   [source sha256: 61189744ccb327426e1d1f61e72b174cb916113045340b45cb264a6a7f0473e0]
CREATE TABLE executions (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL CONSTRAINT executions_agent_id_fkey REFERENCES agents (id) ON DELETE CASCADE,
    session_id uuid CONSTRAINT executions_session_id_fkey REFERENCES sessions (id) ON DELETE SET NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    input_tokens integer NOT NULL DEFAULT 0,
    output_tokens integer NOT NULL DEFAULT 0,
    cost_usd numeric(12,6) GENERATED ALWAYS AS ((input_tokens + output_tokens) * 0.000002) STORED,
    CONSTRAINT executions_pkey PRIMARY KEY (id, started_at)
) PARTITION BY RANGE (started_at);
CREATE TABLE executions_2026_10 PARTITION OF executions FOR VALUES FROM ('2026-10-01') TO ('2026-11-01');
CREATE TABLE executions_2026_11 PARTITION OF executions FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
CREATE TABLE executions_2026_12 PARTITION OF executions FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');
CREATE INDEX executions_agent_id_started_at_idx ON executions (agent_id, started_at);
-- version bookkeeping for 0010_executions
UPDATE strata_version SET revision = '0010_executions' WHERE revision = '0009_merge_templates';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0010_executions', 'upgrade', '61189744ccb327426e1d1f61e72b174cb916113045340b45cb264a6a7f0473e0');

-- 0011_agent_status_paused: Agents can be paused and archived   [source sha256: 9e99b29039b09f3f9976839fc719aa310806c8b2a5ac556cb195fd3fd2080355]
ALTER TYPE agent_status ADD VALUE 'paused' BEFORE 'retired';
ALTER TYPE agent_status ADD VALUE 'archived' AFTER 'retired';
-- version bookkeeping for 0011_agent_status_paused
UPDATE strata_version SET revision = '0011_agent_status_paused' WHERE revision = '0010_executions';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0011_agent_status_paused', 'upgrade', '9e99b29039b09f3f9976839fc719aa310806c8b2a5ac556cb195fd3fd2080355');

-- 0012_messages_created_index: Index messages by creation time without locking writers   [source sha256: 66d7e38f41c2bb45158e4d95b2e4e63e03062b1e3f5b3e3dede78bbac985f552]
COMMIT;
-- outside a transaction
CREATE INDEX CONCURRENTLY messages_created_at_idx ON messages (created_at);
BEGIN;
-- guard: refuse to run unless the database is at 0011_agent_status_paused
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
    IF found <> '0011_agent_status_paused' THEN
        RAISE EXCEPTION 'strata: this database is at %, but this script expects 0011_agent_status_paused',
            CASE WHEN found = '' THEN 'base' ELSE found END;
    END IF;
END
$strata$;
-- version bookkeeping for 0012_messages_created_index
UPDATE strata_version SET revision = '0012_messages_created_index' WHERE revision = '0011_agent_status_paused';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0012_messages_created_index', 'upgrade', '66d7e38f41c2bb45158e4d95b2e4e63e03062b1e3f5b3e3dede78bbac985f552');

-- 0013_user_display_name: Users get a display name, backfilled from the username   [source sha256: ee4cc86a1c5108966c69a4b6e598a5b62e4e7ceddb44d8ab46284954dc9ed519]
ALTER TABLE users ADD COLUMN display_name text;
UPDATE users SET display_name = username WHERE display_name IS NULL
;
ALTER TABLE users ALTER COLUMN display_name SET NOT NULL;
-- version bookkeeping for 0013_user_display_name
UPDATE strata_version SET revision = '0013_user_display_name' WHERE revision = '0012_messages_created_index';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0013_user_display_name', 'upgrade', 'ee4cc86a1c5108966c69a4b6e598a5b62e4e7ceddb44d8ab46284954dc9ed519');

-- 0014_seed_demo_user: Seed the demo organization and its demo user   [source sha256: e3b22ec5c279acafb4bee24f89ca60a7c4b94dd73ba95d6d9efd3e5219559f09]
INSERT INTO organizations (id, slug, name, plan)
    VALUES ('00000000-0000-0000-0000-000000000001', 'demo', 'Demo Org', 'free');
    INSERT INTO users (id, organization_id, email, username, display_name, role)
    VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001',
            'demo@example.com', 'demo', 'Demo User', 'owner');
-- version bookkeeping for 0014_seed_demo_user
UPDATE strata_version SET revision = '0014_seed_demo_user' WHERE revision = '0013_user_display_name';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0014_seed_demo_user', 'upgrade', 'e3b22ec5c279acafb4bee24f89ca60a7c4b94dd73ba95d6d9efd3e5219559f09');

-- 0015_rename_token_count: Rename token_count to tokens and widen it to bigint   [source sha256: 6315e6a8d2804b45adc516a6cd056fde79405a1946b1c34444fcf1b517b46b3e]
ALTER TABLE messages RENAME COLUMN token_count TO tokens;
ALTER TABLE messages ALTER COLUMN tokens TYPE bigint;
-- version bookkeeping for 0015_rename_token_count
UPDATE strata_version SET revision = '0015_rename_token_count' WHERE revision = '0014_seed_demo_user';
INSERT INTO strata_history (revision, direction, source_sha256) VALUES ('0015_rename_token_count', 'upgrade', '6315e6a8d2804b45adc516a6cd056fde79405a1946b1c34444fcf1b517b46b3e');

COMMIT;
