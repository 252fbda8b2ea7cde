"""The database: engine, declarative base, column types, the schema's tables and migrations runner."""
