ALTER SEQUENCE {{ name }} RENAME TO {{ new_name }};
