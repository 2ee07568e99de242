ALTER SEQUENCE {{ name }}{{ options }};
