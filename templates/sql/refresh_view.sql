REFRESH MATERIALIZED VIEW {% if concurrently %}CONCURRENTLY {% endif %}{{ name }}{% if with_no_data %} WITH NO DATA{% endif %};
