ALTER TABLE {{ table }} VALIDATE CONSTRAINT {{ name }};
