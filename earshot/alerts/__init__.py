"""Alerts for on-call staff: spikes of negative talk about the force, and sources gone quiet."""
