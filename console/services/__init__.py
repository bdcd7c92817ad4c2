"""Typed services per area. Each takes the session factory and the mutation gate."""
