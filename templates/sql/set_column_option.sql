ALTER TABLE {{ table }} ALTER COLUMN {{ column }} SET {{ option }};
