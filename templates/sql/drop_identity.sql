ALTER TABLE {{ table }} ALTER COLUMN {{ column }} DROP IDENTITY{% if if_exists %} IF EXISTS{% endif %};
