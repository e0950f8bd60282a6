"""The Elasticsearch store: index design, writes, cursor state and the queries users see."""
