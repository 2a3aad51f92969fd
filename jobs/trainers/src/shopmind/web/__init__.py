"""Dashboard: static pages served by ``shopmind-trainers serve`` over the JSON API."""
