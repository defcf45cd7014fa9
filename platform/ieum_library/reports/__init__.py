"""reports of the shipped library (see ieum_library)."""
