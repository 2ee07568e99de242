ALTER TABLE {{ table }} ALTER COLUMN {{ column }} DROP DEFAULT;
