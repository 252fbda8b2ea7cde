"""Open data (issue 21; ``docs/opendata.md``): every project published as OCDS 1.1 releases and
records, with the extensions it declares, and nothing that must stay secret."""
