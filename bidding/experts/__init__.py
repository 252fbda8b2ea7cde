"""Evaluation experts (评标专家, issue 19): the pool, the draw, the notices and the sealed list."""
