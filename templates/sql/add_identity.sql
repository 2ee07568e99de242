ALTER TABLE {{ table }} ALTER COLUMN {{ column }} ADD {{ identity }};
