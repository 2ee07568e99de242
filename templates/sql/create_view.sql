CREATE {% if or_replace %}OR REPLACE {% endif %}{% if materialized %}MATERIALIZED {% endif %}VIEW {{ name }}{% if !columns.is_empty() %} ({{ columns }}){% endif %} AS
{{ query }}{% if with_no_data %}
WITH NO DATA{% endif %};
