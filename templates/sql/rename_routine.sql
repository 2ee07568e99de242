ALTER {{ routine }} RENAME TO {{ new_name }};
