"""AWS plumbing shared by every service: the one session factory and API metrics."""
