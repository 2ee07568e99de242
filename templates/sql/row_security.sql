ALTER TABLE {{ table }} {{ change }} ROW LEVEL SECURITY;
