"""Forms: JSON Schema to screens and validation, computed fields, Excel in and out."""
