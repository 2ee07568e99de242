DROP INDEX {% if concurrently %}CONCURRENTLY {% endif %}{% if if_exists %}IF EXISTS {% endif %}{{ name }};
