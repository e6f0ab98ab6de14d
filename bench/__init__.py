"""Benchmarks (run as scripts; see each folder's README). A package so that the shared
seeding SQL helpers (`bench.seed_sql`) import the same way from a script in any folder."""
