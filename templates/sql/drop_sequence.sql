DROP SEQUENCE {{ name }};
