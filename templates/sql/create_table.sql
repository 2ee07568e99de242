CREATE TABLE {{ name }} ({% for line in lines %}
    {{ line }}{% if !loop.last %},{% endif %}{% endfor %}{% if !lines.is_empty() %}
{% endif %}){% if let Some(p) = partition_by %} PARTITION BY {{ p }}{% endif %}{% if let Some(s) = storage %} WITH ({{ s }}){% endif %};
