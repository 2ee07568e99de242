SET {% if local %}LOCAL {% endif %}{{ name }} = {{ value }};
