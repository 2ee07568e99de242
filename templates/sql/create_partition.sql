CREATE TABLE {{ name }} PARTITION OF {{ parent }} FOR VALUES {{ bound }};
