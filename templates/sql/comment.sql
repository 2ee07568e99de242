COMMENT ON {{ target }} IS {{ text }};
