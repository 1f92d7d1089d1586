"""Finder models."""
