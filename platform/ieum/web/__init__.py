"""Flask blueprints, templates and static files: the screens and the JSON API."""
