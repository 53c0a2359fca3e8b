"""The advisor: rules over neutral facts producing Findings, index suggestions, DDL and the voice."""
