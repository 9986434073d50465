"""Reading container images (docs/images.md): loaded only with --images, never by a plain lint."""
