ALTER TYPE {{ name }} RENAME TO {{ new_name }};
