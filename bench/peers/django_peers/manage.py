#!/usr/bin/env python
"""The peer Django project of bench/peers/run.py (run with bench/peers/.venv)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peers.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
