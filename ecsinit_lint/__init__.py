"""ecsinit-lint: find ECS containers that leak zombies or drop SIGTERM, and fix them."""

__version__ = "0.1.0"
