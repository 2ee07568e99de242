DROP {% if materialized %}MATERIALIZED {% endif %}VIEW {{ name }};
