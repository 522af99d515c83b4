"""Load: Locust burst profiles run in a subprocess, with SLO gates."""
