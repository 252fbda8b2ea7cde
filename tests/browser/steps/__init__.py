"""Reusable browser steps (plain functions on a Playwright page) for composing whole-flow tests."""
