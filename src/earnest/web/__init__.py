"""The web app's static assets (no build step, no CDN)."""
