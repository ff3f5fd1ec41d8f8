"""Brickwork: a self-hosted no-code platform."""

__version__ = "0.1.0"
