"""Consumer-driven contracts: Pact consumer tests, provider verification, and pacts checked against the spec."""
