{{ text }}{% if needs_semicolon %}
;{% endif %}
