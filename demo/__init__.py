"""The demo: bundled sample feeds served on loopback, collected through Airflow."""
