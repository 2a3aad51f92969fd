"""Dashboard: static pages served by ``shopmind serve`` over the JSON API."""
