ALTER {{ what }} {{ name }} {{ change }};
