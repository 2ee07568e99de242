-- Roles belong to the cluster: the project assumes them.
DO $$ BEGIN CREATE ROLE strata_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE strata_writer; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
