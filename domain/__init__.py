"""Parley's domain: plain Python entities, rules, services, events and the clock.

Nothing here imports a web or database framework; storage and UI depend on this package,
never the other way round.
"""
