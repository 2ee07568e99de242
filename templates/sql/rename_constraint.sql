ALTER TABLE {{ table }} RENAME CONSTRAINT {{ name }} TO {{ new_name }};
