ALTER TABLE {{ table }} ALTER COLUMN {{ column }} SET GENERATED {{ kind }};
