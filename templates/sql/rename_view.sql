ALTER {% if materialized %}MATERIALIZED {% endif %}VIEW {{ name }} RENAME TO {{ new_name }};
