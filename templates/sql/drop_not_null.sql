ALTER TABLE {{ table }} ALTER COLUMN {{ column }} DROP NOT NULL;
