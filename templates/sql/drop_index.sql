DROP INDEX {% if concurrently %}CONCURRENTLY {% endif %}{{ name }};
