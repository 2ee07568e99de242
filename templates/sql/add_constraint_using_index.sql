ALTER TABLE {{ table }} ADD {% if let Some(n) = name %}CONSTRAINT {{ n }} {% endif %}{% if primary_key %}PRIMARY KEY{% else %}UNIQUE{% endif %} USING INDEX {{ index }}{{ deferrable }};
