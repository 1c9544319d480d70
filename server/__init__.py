"""The HTTP face of ECO-KG: a Flask SPARQL 1.1 endpoint, query page and Linked Data pages."""
