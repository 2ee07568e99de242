ALTER TABLE {{ table }} ALTER COLUMN {{ column }} SET NOT NULL;
