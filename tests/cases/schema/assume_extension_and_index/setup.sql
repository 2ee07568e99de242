-- The database the project adopts: what its first revision assumes.
CREATE EXTENSION citext;
CREATE TABLE accounts (id bigint PRIMARY KEY, email citext NOT NULL, legacy_code text);
CREATE INDEX accounts_legacy_code_idx ON accounts (legacy_code);
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);
ALTER TABLE accounts ADD CONSTRAINT accounts_code_check CHECK (legacy_code <> '');
