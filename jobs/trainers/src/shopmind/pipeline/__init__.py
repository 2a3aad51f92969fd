"""Orchestration: jobs chained into the platform's main flows."""
