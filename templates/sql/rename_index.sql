ALTER INDEX {{ name }} RENAME TO {{ new_name }};
