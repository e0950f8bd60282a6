"""Earshot: hear what the public says about a police force, and know where to respond."""
