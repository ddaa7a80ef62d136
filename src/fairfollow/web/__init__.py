"""The web application: server-rendered pages (ja first, en) and the JSON API over the core."""
