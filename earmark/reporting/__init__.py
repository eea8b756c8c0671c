"""Reading a built warehouse for people: the terminal summary, the results table, the report site's server
and screenshots, and safe read-only access to the warehouse itself (`warehouse.py`)."""
