"""Fuzzing from the OpenAPI spec on schemathesis, plus REST practice checks."""
